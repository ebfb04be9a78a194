namespace Grid.Build.Tasks.Tests;

public sealed class ValidateGridPropertiesTests
{
    private static (ValidateGridProperties Task, FakeBuildEngine Engine, bool Result) Run(Action<ValidateGridProperties>? set = null)
    {
        var engine = new FakeBuildEngine();
        var task = new ValidateGridProperties { BuildEngine = engine, Repository = "tilestats", OutputType = "Exe" };
        set?.Invoke(task);
        bool result = task.Execute();
        return (task, engine, result);
    }

    [Fact]
    public void EmptyPropertiesTakeTheDocumentedDefaults()
    {
        var (task, engine, result) = Run();

        Assert.True(result);
        Assert.Empty(engine.Errors);
        Assert.Equal("1", task.ValidatedWorkers);
        Assert.Equal("1", task.ValidatedSlotsPerWorker);
        Assert.Equal("1", task.ValidatedCpu);
        Assert.Equal("2048", task.ValidatedMemoryMiB);
        Assert.Equal("0", task.ValidatedGpu);
        Assert.Equal("", task.ValidatedInstanceTypes);
        Assert.Equal("true", task.ValidatedSpot);
        Assert.Equal("", task.ValidatedMaxSpotPrice);
        Assert.Equal("true", task.ValidatedOnDemandFallback);
        Assert.Equal("", task.ValidatedRegion);
        Assert.Equal("tilestats", task.ValidatedRepository);
        Assert.Equal("", task.ValidatedTaskTimeoutSeconds);
        Assert.Equal("3", task.ValidatedMaxAttempts);
        Assert.Equal("mcr.microsoft.com/dotnet/runtime:10.0", task.ValidatedBaseImage);
        Assert.Equal("amd64", task.ValidatedArchitecture);
        Assert.Equal("linux-x64", task.ValidatedContainerRuntimeIdentifier);
        Assert.Equal("", task.ValidatedRegistry);
        Assert.Equal("latest", task.ValidatedImageTag);
    }

    [Fact]
    public void ValidValuesAreNormalized()
    {
        var (task, engine, result) = Run(t =>
        {
            t.Workers = " 40 ";
            t.Cpu = "2.50";
            t.MemoryMiB = "4096";
            t.Gpu = "1";
            t.InstanceTypes = " C7i.large ; c6i.large;;c7i.large ";
            t.Spot = "True";
            t.MaxSpotPrice = "0.050";
            t.OnDemandFallback = "FALSE";
            t.Region = "eu-west-2";
            t.TaskTimeout = "15m";
            t.MaxAttempts = "5";
            t.Registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
            t.ImageTag = "v1.2";
        });

        Assert.True(result, string.Join("\n", engine.ErrorLines));
        Assert.Equal("40", task.ValidatedWorkers);
        Assert.Equal("2.5", task.ValidatedCpu);
        Assert.Equal("2", task.ValidatedSlotsPerWorker);
        Assert.Equal("c7i.large;c6i.large", task.ValidatedInstanceTypes);
        Assert.Equal("true", task.ValidatedSpot);
        Assert.Equal("0.05", task.ValidatedMaxSpotPrice);
        Assert.Equal("false", task.ValidatedOnDemandFallback);
        Assert.Equal("900", task.ValidatedTaskTimeoutSeconds);
        Assert.Equal("123456789012.dkr.ecr.us-east-1.amazonaws.com", task.ValidatedRegistry);
    }

    [Theory]
    [InlineData("0.5", "1")]
    [InlineData("1", "1")]
    [InlineData("3.75", "3")]
    [InlineData("16", "16")]
    public void SlotsDefaultToTheWholeVcpusOfGridCpu(string cpu, string slots)
    {
        var (task, _, result) = Run(t => t.Cpu = cpu);

        Assert.True(result);
        Assert.Equal(slots, task.ValidatedSlotsPerWorker);
    }

    [Fact]
    public void PublishFailsWithGrid1003WhenWorkersIsZero()
    {
        var (_, engine, result) = Run(t => t.Workers = "0");

        Assert.False(result);
        Assert.Equal(["GRID1003: GridWorkers is '0'; it must be a whole number from 1 to 10000."], engine.ErrorLines);
    }

    [Theory]
    [InlineData(nameof(ValidateGridProperties.Spot), "yes", "GRID1001", "GridSpot is 'yes'; it must be true or false.")]
    [InlineData(nameof(ValidateGridProperties.OnDemandFallback), "1", "GRID1001", "GridOnDemandFallback is '1'; it must be true or false.")]
    [InlineData(nameof(ValidateGridProperties.SlotsPerWorker), "0", "GRID1002", "GridSlotsPerWorker is '0'")]
    [InlineData(nameof(ValidateGridProperties.SlotsPerWorker), "1025", "GRID1002", "from 1 to 1024")]
    [InlineData(nameof(ValidateGridProperties.Workers), "10001", "GRID1003", "GridWorkers is '10001'")]
    [InlineData(nameof(ValidateGridProperties.Workers), "-1", "GRID1003", "GridWorkers is '-1'")]
    [InlineData(nameof(ValidateGridProperties.Workers), "four", "GRID1003", "GridWorkers is 'four'")]
    [InlineData(nameof(ValidateGridProperties.Workers), "2.5", "GRID1003", "GridWorkers is '2.5'")]
    [InlineData(nameof(ValidateGridProperties.Repository), "TileStats", "GRID1004", "GridRepository is 'TileStats', a name ECR refuses")]
    [InlineData(nameof(ValidateGridProperties.Repository), "a", "GRID1004", "GridRepository is 'a'")]
    [InlineData(nameof(ValidateGridProperties.Repository), "tile stats", "GRID1004", "'tile stats'")]
    [InlineData(nameof(ValidateGridProperties.Repository), "tile--stats", "GRID1004", "'tile--stats'")]
    [InlineData(nameof(ValidateGridProperties.Repository), "team//tilestats", "GRID1004", "'team//tilestats'")]
    [InlineData(nameof(ValidateGridProperties.Repository), "-tilestats", "GRID1004", "'-tilestats'")]
    [InlineData(nameof(ValidateGridProperties.Repository), "tilestats/", "GRID1004", "'tilestats/'")]
    [InlineData(nameof(ValidateGridProperties.Cpu), "0", "GRID1005", "GridCpu is '0'; it must be a number of vCPUs from 0.25 to 1024")]
    [InlineData(nameof(ValidateGridProperties.Cpu), "0.1", "GRID1005", "GridCpu is '0.1'")]
    [InlineData(nameof(ValidateGridProperties.Cpu), "2,5", "GRID1005", "GridCpu is '2,5'")]
    [InlineData(nameof(ValidateGridProperties.Cpu), "1e3", "GRID1005", "GridCpu is '1e3'")]
    [InlineData(nameof(ValidateGridProperties.MemoryMiB), "64", "GRID1006", "GridMemoryMiB is '64'; it must be a whole number of MiB from 128 to 33554432")]
    [InlineData(nameof(ValidateGridProperties.MemoryMiB), "4GiB", "GRID1006", "GridMemoryMiB is '4GiB'")]
    [InlineData(nameof(ValidateGridProperties.Gpu), "17", "GRID1007", "GridGpu is '17'; it must be a whole number from 0 to 16.")]
    [InlineData(nameof(ValidateGridProperties.InstanceTypes), "c7i.large;c7i.larg", "GRID1008", "GridInstanceTypes has 'c7i.larg', which is not an EC2 instance type")]
    [InlineData(nameof(ValidateGridProperties.InstanceTypes), "large", "GRID1008", "'large'")]
    [InlineData(nameof(ValidateGridProperties.InstanceTypes), "c7i.large,c6i.large", "GRID1008", "'c7i.large,c6i.large'")]
    [InlineData(nameof(ValidateGridProperties.MaxSpotPrice), "0", "GRID1010", "GridMaxSpotPrice is '0'; it must be a price in US dollars per instance-hour above 0")]
    [InlineData(nameof(ValidateGridProperties.MaxSpotPrice), "$0.05", "GRID1010", "'$0.05'")]
    [InlineData(nameof(ValidateGridProperties.Region), "us-east", "GRID1011", "GridRegion is 'us-east'; it must be an AWS region code")]
    [InlineData(nameof(ValidateGridProperties.Region), "US-EAST-1", "GRID1011", "'US-EAST-1'")]
    [InlineData(nameof(ValidateGridProperties.TaskTimeout), "0", "GRID1012", "GridTaskTimeout is '0'; it must be a duration from 1 second to 7 days")]
    [InlineData(nameof(ValidateGridProperties.TaskTimeout), "8d", "GRID1012", "'8d'")]
    [InlineData(nameof(ValidateGridProperties.TaskTimeout), "1h30m", "GRID1012", "'1h30m'")]
    [InlineData(nameof(ValidateGridProperties.TaskTimeout), "soon", "GRID1012", "'soon'")]
    [InlineData(nameof(ValidateGridProperties.MaxAttempts), "0", "GRID1013", "GridMaxAttempts is '0'; it must be a whole number from 1 to 100.")]
    [InlineData(nameof(ValidateGridProperties.Architecture), "x64", "GRID1014", "GridArchitecture is 'x64'; it must be amd64 or arm64")]
    [InlineData(nameof(ValidateGridProperties.RuntimeIdentifier), "win-x64", "GRID1015", "RuntimeIdentifier is 'win-x64', but a Grid image runs on Linux")]
    [InlineData(nameof(ValidateGridProperties.ContainerRuntimeIdentifier), "linux-arm", "GRID1015", "ContainerRuntimeIdentifier is 'linux-arm'")]
    [InlineData(nameof(ValidateGridProperties.BaseImage), "./runtime.tar", "GRID1017", "GridBaseImage is './runtime.tar'; it must be an image reference in a registry")]
    [InlineData(nameof(ValidateGridProperties.BaseImage), "https://mcr.microsoft.com/dotnet/runtime:10.0", "GRID1017", "'https://mcr.microsoft.com/dotnet/runtime:10.0'")]
    [InlineData(nameof(ValidateGridProperties.BaseImage), "mcr.microsoft.com/dotnet/Runtime:10.0", "GRID1017", "'mcr.microsoft.com/dotnet/Runtime:10.0'")]
    [InlineData(nameof(ValidateGridProperties.Registry), "https://127.0.0.1:5000", "GRID1018", "GridRegistry is 'https://127.0.0.1:5000'; it must be a registry host")]
    [InlineData(nameof(ValidateGridProperties.Registry), "127.0.0.1:5000/team", "GRID1018", "'127.0.0.1:5000/team'")]
    [InlineData(nameof(ValidateGridProperties.ImageTag), "-latest", "GRID1019", "GridImageTag is '-latest'; a tag is 1 to 128 letters")]
    [InlineData(nameof(ValidateGridProperties.ImageTag), "v1+build", "GRID1019", "'v1+build'")]
    [InlineData(nameof(ValidateGridProperties.OutputType), "Library", "GRID1020", "PublishGrid needs a program, but OutputType is 'Library'; set OutputType to Exe")]
    [InlineData(nameof(ValidateGridProperties.EnableSdkContainerSupport), "false", "GRID1021", "EnableSdkContainerSupport is 'false'; remove that setting.")]
    public void AnInvalidValueFailsWithItsCodeTheValueAndTheFix(string property, string value, string code, string message)
    {
        var (_, engine, result) = Run(t => typeof(ValidateGridProperties).GetProperty(property)!.SetValue(t, value));

        Assert.False(result);
        var error = Assert.Single(engine.Errors);
        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal("TileStats.csproj", error.File);
    }

    [Fact]
    public void EveryBrokenRuleIsReportedAtOnce()
    {
        var (_, engine, result) = Run(t =>
        {
            t.Workers = "0";
            t.Cpu = "lots";
            t.Repository = "Tile Stats";
            t.Spot = "maybe";
        });

        Assert.False(result);
        Assert.Equal(["GRID1001", "GRID1003", "GRID1004", "GRID1005"], engine.ErrorCodes.Order());
    }

    [Theory]
    [InlineData("c7g.large")]
    [InlineData("m6g.xlarge")]
    [InlineData("r7gd.2xlarge")]
    [InlineData("t4g.micro")]
    [InlineData("c8g.medium")]
    [InlineData("im4gn.large")]
    [InlineData("a1.medium")]
    public void GravitonInstanceTypesWithAnAmd64ImageFailWithGrid1009(string type)
    {
        var (_, engine, result) = Run(t => t.InstanceTypes = "c7i.large;" + type);

        Assert.False(result);
        Assert.Equal(
            [$"GRID1009: GridInstanceTypes has '{type}', which runs arm64 code, but the image is built for amd64; remove '{type}', or set GridArchitecture to arm64."],
            engine.ErrorLines);
    }

    [Fact]
    public void X86InstanceTypesWithAnArm64ImageFailWithGrid1009()
    {
        var (_, engine, result) = Run(t =>
        {
            t.Architecture = "arm64";
            t.InstanceTypes = "c7g.large;c7i.large;m6a.large";
        });

        Assert.False(result);
        Assert.Equal(["GRID1009", "GRID1009"], engine.ErrorCodes);
        Assert.Contains("GridInstanceTypes has 'c7i.large', which runs amd64 code, but the image is built for arm64", engine.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("'m6a.large'", engine.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GravitonInstanceTypesPassWithAnArm64Image()
    {
        var (task, engine, result) = Run(t =>
        {
            t.Architecture = "arm64";
            t.InstanceTypes = "c7g.large;m7g.xlarge;t4g.small";
        });

        Assert.True(result, string.Join("\n", engine.ErrorLines));
        Assert.Equal("linux-arm64", task.ValidatedContainerRuntimeIdentifier);
    }

    [Fact]
    public void TheArchitectureCheckCanBeTurnedOff()
    {
        var (_, engine, result) = Run(t =>
        {
            t.InstanceTypes = "c7g.large";
            t.EnableArchitectureCheck = "false";
        });

        Assert.True(result, string.Join("\n", engine.ErrorLines));
    }

    [Theory]
    [InlineData("", "", "", "amd64", "linux-x64")]
    [InlineData("", "linux-arm64", "", "arm64", "linux-arm64")]
    [InlineData("", "linux-musl-x64", "", "amd64", "linux-musl-x64")]
    [InlineData("", "", "linux-arm64", "arm64", "linux-arm64")]
    [InlineData("", "linux-x64", "linux-arm64", "arm64", "linux-arm64")]
    [InlineData("arm64", "", "", "arm64", "linux-arm64")]
    [InlineData("ARM64", "linux-arm64", "", "arm64", "linux-arm64")]
    public void TheArchitectureFollowsTheRuntimeIdentifier(string architecture, string rid, string containerRid, string expected, string expectedRid)
    {
        var (task, engine, result) = Run(t =>
        {
            t.Architecture = architecture;
            t.RuntimeIdentifier = rid;
            t.ContainerRuntimeIdentifier = containerRid;
        });

        Assert.True(result, string.Join("\n", engine.ErrorLines));
        Assert.Equal(expected, task.ValidatedArchitecture);
        Assert.Equal(expectedRid, task.ValidatedContainerRuntimeIdentifier);
    }

    [Fact]
    public void AnArchitectureThatContradictsTheRuntimeIdentifierFailsWithGrid1016()
    {
        var (_, engine, result) = Run(t =>
        {
            t.Architecture = "amd64";
            t.RuntimeIdentifier = "linux-arm64";
        });

        Assert.False(result);
        Assert.Equal(
            ["GRID1016: GridArchitecture is 'amd64' but RuntimeIdentifier is 'linux-arm64', which builds for arm64; make them agree: set GridArchitecture to arm64, or RuntimeIdentifier to a linux RID for amd64."],
            engine.ErrorLines);
    }

    [Fact]
    public void AMaxSpotPriceWithoutSpotFailsWithGrid1022()
    {
        var (_, engine, result) = Run(t =>
        {
            t.Spot = "false";
            t.MaxSpotPrice = "0.1";
        });

        Assert.False(result);
        Assert.Equal(["GRID1022"], engine.ErrorCodes);
    }

    [Theory]
    [InlineData("127.0.0.1:5000")]
    [InlineData("localhost:5000")]
    [InlineData("registry.example.com")]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com")]
    public void RegistryHostsAreAccepted(string registry)
    {
        var (_, engine, result) = Run(t => t.Registry = registry);

        Assert.True(result, string.Join("\n", engine.ErrorLines));
    }

    [Theory]
    [InlineData("127.0.0.1:5000/dotnet/runtime:10.0")]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0@sha256:a630d87ad4ea898d4e7b7ee974489c0635b80ace9b154cab603dd5288296a797")]
    [InlineData("ubuntu")]
    [InlineData("localhost:5000/team/base_image:v1")]
    public void BaseImageReferencesAreAccepted(string reference)
    {
        var (_, engine, result) = Run(t => t.BaseImage = reference);

        Assert.True(result, string.Join("\n", engine.ErrorLines));
    }

    [Theory]
    [InlineData("tilestats")]
    [InlineData("team/tile-stats")]
    [InlineData("a.b_c-d/e1")]
    [InlineData("ab")]
    public void RepositoryNamesEcrAcceptsAreAccepted(string repository)
    {
        var (_, engine, result) = Run(t => t.Repository = repository);

        Assert.True(result, string.Join("\n", engine.ErrorLines));
    }

    [Fact]
    public void ARepositoryOver256CharactersFailsWithGrid1004()
    {
        var (_, engine, result) = Run(t => t.Repository = new string('a', 257));

        Assert.False(result);
        Assert.Equal(["GRID1004"], engine.ErrorCodes);
    }
}

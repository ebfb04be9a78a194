using System.Text.Json.Nodes;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// Bad Grid* values fail with their GRID code and message before any image is built. Most cases run the side-effect
/// free ComputeGridManifest target alone (under a second each); one runs a real publish.
/// </summary>
[Collection(PackedGridTests.Name)]
public sealed class GridPropertyErrorTests(PackedGrid grid, ContainerLab lab)
{
    private static readonly SemaphoreSlim Scaffolding = new(1, 1);
    private static string? _job;

    // One job for every case: the checks read properties only, so the cases cannot disturb each other.
    private async Task<JobPublisher> JobAsync()
    {
        await Scaffolding.WaitAsync();
        try
        {
            _job ??= await grid.NewJobAsync("BadProps");
            return new JobPublisher(grid, lab, _job);
        }
        finally
        {
            Scaffolding.Release();
        }
    }

    [Theory]
    [InlineData("-p:GridWorkers=0", "GRID1003: GridWorkers is '0'; it must be a whole number from 1 to 10000.")]
    [InlineData("-p:GridSpot=yes", "GRID1001: GridSpot is 'yes'; it must be true or false.")]
    [InlineData("-p:GridSlotsPerWorker=0", "GRID1002: GridSlotsPerWorker is '0'")]
    [InlineData("-p:GridRepository=Tile_Stats", "GRID1004: GridRepository is 'Tile_Stats', a name ECR refuses")]
    [InlineData("-p:AssemblyName=X", "GRID1004: GridRepository is 'x', a name ECR refuses")]
    [InlineData("-p:GridCpu=0", "GRID1005: GridCpu is '0'")]
    [InlineData("-p:GridMemoryMiB=4GiB", "GRID1006: GridMemoryMiB is '4GiB'")]
    [InlineData("-p:GridGpu=99", "GRID1007: GridGpu is '99'")]
    [InlineData("-p:GridInstanceTypes=\"c7i.large;c7i.huge\"", "GRID1008: GridInstanceTypes has 'c7i.huge', which is not an EC2 instance type")]
    [InlineData("-p:GridInstanceTypes=\"c7i.large;r7gd.large\"", "GRID1009: GridInstanceTypes has 'r7gd.large', which runs arm64 code, but the image is built for amd64; remove 'r7gd.large', or set GridArchitecture to arm64.")]
    [InlineData("-p:GridMaxSpotPrice=cheap", "GRID1010: GridMaxSpotPrice is 'cheap'")]
    [InlineData("-p:GridRegion=mars-1", "GRID1011: GridRegion is 'mars-1'")]
    [InlineData("-p:GridTaskTimeout=forever", "GRID1012: GridTaskTimeout is 'forever'")]
    [InlineData("-p:GridMaxAttempts=0", "GRID1013: GridMaxAttempts is '0'")]
    [InlineData("-p:GridArchitecture=x86_64", "GRID1014: GridArchitecture is 'x86_64'")]
    [InlineData("-p:ContainerRuntimeIdentifier=win-x64", "GRID1015: ContainerRuntimeIdentifier is 'win-x64', but a Grid image runs on Linux")]
    [InlineData("-p:GridBaseImage=/tmp/runtime.tar", "GRID1017: GridBaseImage is '/tmp/runtime.tar'")]
    [InlineData("-p:GridRegistry=http://127.0.0.1:5000", "GRID1018: GridRegistry is 'http://127.0.0.1:5000'")]
    [InlineData("-p:GridImageTag=.hidden", "GRID1019: GridImageTag is '.hidden'")]
    [InlineData("-p:OutputType=Library", "GRID1020: PublishGrid needs a program, but OutputType is 'Library'")]
    public async Task AnInvalidValueFailsComputeGridManifestWithItsCodeAndMessage(string property, string message)
    {
        var job = await JobAsync();

        var result = await job.MSBuildAsync("ComputeGridManifest", property);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(job.Job, "bin", "Release", "net10.0", "publish", "grid")));
    }

    [Fact]
    public async Task ComputeGridManifestReportsTheComputedValuesAndWritesNothing()
    {
        var job = await JobAsync();

        var result = await job.MSBuildAsync(
            "ComputeGridManifest",
            "-p:GridArchitecture=arm64",
            "-p:GridInstanceTypes=\"c7g.large;M7g.large;c7g.large\"",
            "-p:GridCpu=4",
            "-p:GridTaskTimeout=2h",
            "-getProperty:_GridArchitecture",
            "-getProperty:_GridContainerRuntimeIdentifier",
            "-getProperty:_GridInstanceTypes",
            "-getProperty:_GridSlotsPerWorker",
            "-getProperty:_GridTaskTimeoutSeconds",
            "-getProperty:_GridRepository",
            "-getProperty:_GridManifestFile");

        PackedGrid.Require(result, "dotnet msbuild -t:ComputeGridManifest");
        var properties = JsonNode.Parse(result.Out)!["Properties"]!;
        Assert.Equal("arm64", (string?)properties["_GridArchitecture"]);
        Assert.Equal("linux-arm64", (string?)properties["_GridContainerRuntimeIdentifier"]);
        Assert.Equal("c7g.large;m7g.large", (string?)properties["_GridInstanceTypes"]);
        Assert.Equal("4", (string?)properties["_GridSlotsPerWorker"]);
        Assert.Equal("7200", (string?)properties["_GridTaskTimeoutSeconds"]);
        Assert.Equal("badprops", (string?)properties["_GridRepository"]);
        string manifest = (string)properties["_GridManifestFile"]!;
        Assert.EndsWith("/publish/grid/grid.json", manifest, StringComparison.Ordinal);
        Assert.False(File.Exists(manifest));
    }

    [Fact]
    public async Task PublishFailsWithGrid1003AndGrid1009BeforeAnythingIsCompiledOrBuilt()
    {
        await lab.EnsureStartedAsync();
        var job = new JobPublisher(grid, lab, await grid.NewJobAsync("BadPublish"));

        var publish = await job.PublishAsync("-p:GridWorkers=0", "-p:GridInstanceTypes=\"c7i.large;c7g.large\"");

        Assert.NotEqual(0, publish.Result.ExitCode);
        Assert.Contains("error GRID1003: GridWorkers is '0'; it must be a whole number from 1 to 10000.", publish.Result.Out, StringComparison.Ordinal);
        Assert.Contains("error GRID1009: GridInstanceTypes has 'c7g.large', which runs arm64 code, but the image is built for amd64", publish.Result.Out, StringComparison.Ordinal);
        Assert.False(publish.BuiltAnImage);
        Assert.DoesNotContain("Grid manifest:", publish.Result.Out, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(job.Job, "bin", "Release", "net10.0", "publish")));
        Assert.False(File.Exists(Path.Combine(job.Job, "obj", "Release", "net10.0", "BadPublish.dll")));
    }
}

using System.Text.Json.Nodes;
using Grid.Tool;

namespace Grid.Cloud.Tests;

/// <summary>Bad input and bad settings fail with their GRID7xxx code from --dry-run and from run, and nothing is created.</summary>
public sealed class PreflightTests : IClassFixture<CloudLab>, IDisposable
{
    private readonly CloudLab _lab;
    private readonly string _directory = Directory.CreateTempSubdirectory("grid-preflight-").FullName;

    public PreflightTests(CloudLab lab)
    {
        _lab = lab;
        File.WriteAllText(Path.Combine(_directory, "tasks.jsonl"), "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
        File.WriteAllText(Path.Combine(_directory, "Job.csproj"), "<Project />");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(int Exit, ToolOutput Output)> Run(string[] extra, IReadOnlyDictionary<string, string?>? environment = null, Action<JsonObject>? manifest = null)
    {
        string path = CloudLab.WriteManifest(_directory, manifest);
        var output = new ToolOutput();
        string[] advertise = extra.Contains("--advertise") ? [] : ["--advertise", "127.0.0.1:7400"];
        int exit = await GridCli.InvokeAsync(["run", "--target", "aws", "--manifest", path, .. advertise, .. extra], _lab.Context(output, _directory, environment));
        return (exit, output);
    }

    public static TheoryData<string, string> Cases => new()
    {
        { "missing-credentials", "GRID7001" },
        { "expired-credentials", "GRID7002" },
        { "unknown-region", "GRID7003" },
        { "no-region", "GRID7003" },
        { "bad-repository", "GRID7004" },
        { "wrong-architecture", "GRID7005" },
        { "bad-instance-type", "GRID7012" },
        { "bad-advertise", "GRID7008" },
        { "bad-subnet", "GRID7007" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInputFailsBeforeAnythingIsCreated(string @case, string code)
    {
        foreach (bool dryRun in new[] { true, false })
        {
            var (environment, manifest, extra) = Setup(@case);
            var (exit, output) = await Run(dryRun ? [.. extra, "--dry-run"] : extra, environment, manifest);
            Assert.True(exit == 2, $"{@case} (dry run: {dryRun}) exited {exit}\n{output}");
            Assert.Contains(code + ":", output.Error.ToString(), StringComparison.Ordinal);
            Assert.Empty(_lab.AnythingCreated());
            Assert.False(Directory.Exists(Path.Combine(_directory, "grid-runs")) && Directory.EnumerateDirectories(Path.Combine(_directory, "grid-runs")).Any(),
                "no run folder is made for a run that never started");
        }
    }

    private static (Dictionary<string, string?>? Environment, Action<JsonObject>? Manifest, string[] Extra) Setup(string @case) => @case switch
    {
        "missing-credentials" => (new() { ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null, ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent", ["AWS_CONFIG_FILE"] = "/nonexistent" }, null, []),
        "expired-credentials" => (new() { ["AWS_SECRET_ACCESS_KEY"] = "an-old-secret" }, null, []),
        "unknown-region" => (null, null, ["--region", "eu-nowhere-9"]),
        "no-region" => (new() { ["AWS_REGION"] = null, ["AWS_DEFAULT_REGION"] = null, ["AWS_CONFIG_FILE"] = "/nonexistent" }, null, []),
        "bad-repository" => (null, m => m["image"]!["repository"] = "Tile Stats", []),
        "wrong-architecture" => (null, m => m["image"]!["architecture"] = "amd64", []),
        "bad-instance-type" => (null, m => m["spot"]!["instanceTypes"] = new JsonArray("c7g large"), []),
        "bad-advertise" => (null, null, ["--advertise", "head-without-port"]),
        "bad-subnet" => (null, null, ["--subnets", "subnet-0000000000000dead"]),
        _ => throw new ArgumentOutOfRangeException(nameof(@case)),
    };

    [Fact]
    public async Task AnUnreachableRegistryIsGrid7006BeforeAnythingIsCreated()
    {
        // A cloud whose ECR login names a registry nobody listens on.
        int closed = CloudLab.FreePort();

        await using var cloud = await CloudInABox.CloudInABox.StartAsync(_lab.Options with { RegistryEndpoint = $"http://127.0.0.1:{closed}" });
        string path = CloudLab.WriteManifest(_directory);
        foreach (bool dryRun in new[] { true, false })
        {
            var output = new ToolOutput();
            var environment = new Dictionary<string, string?> { ["AWS_ENDPOINT_URL"] = cloud.Endpoint.ToString() };
            string[] arguments = ["run", "--target", "aws", "--manifest", path, "--advertise", "127.0.0.1:7400", .. dryRun ? new[] { "--dry-run" } : []];
            int exit = await GridCli.InvokeAsync(arguments, _lab.Context(output, _directory, environment));
            Assert.True(exit == 2, output.ToString());
            Assert.Contains("GRID7006:", output.Error.ToString(), StringComparison.Ordinal);
            lock (cloud.State.Gate)
            {
                Assert.Empty(cloud.State.Repositories);
                Assert.DoesNotContain(cloud.State.SecurityGroups.Values, g => g.GroupName != "default");
            }
        }
    }

    [Fact]
    public async Task CloudOptionsWithoutTheCloudTargetAreRefused()
    {
        var output = new ToolOutput();
        int exit = await GridCli.InvokeAsync(["run", "--local", "--dry-run"], _lab.Context(output, _directory));
        Assert.Equal(2, exit);
        Assert.Contains("GRID7014:", output.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DryRunChecksEverythingPrintsThePlanAndCreatesNothing()
    {
        var (exit, output) = await Run(["--dry-run", "--instance-profile", "grid-worker"]);
        Assert.True(exit == 0, output.ToString());
        string plan = output.Out.ToString();
        Assert.Contains("every check passed; nothing was created", plan, StringComparison.Ordinal);
        Assert.Contains("arn:aws:iam::000000000000:user/grid", plan, StringComparison.Ordinal);
        foreach (string resource in new[] { "ECR repository", "security group", "launch template", "fleet", "instances" })
        {
            Assert.Contains(resource, plan, StringComparison.Ordinal);
        }

        Assert.Matches(@"c7g\.large \$0\.0\d+/h", plan);
        Assert.Empty(_lab.AnythingCreated());
    }

    [Fact]
    public async Task DryRunOfTheBatchBackendListsItsResources()
    {
        var (exit, output) = await Run(["--dry-run", "--backend", "batch"]);
        Assert.True(exit == 0, output.ToString());
        foreach (string resource in new[] { "compute environment", "job queue", "job definition", "array job" })
        {
            Assert.Contains(resource, output.Out.ToString(), StringComparison.Ordinal);
        }

        Assert.Empty(_lab.AnythingCreated());
    }
}

using System.Net;
using System.Text.Json.Nodes;
using Grid.Aws;
using Grid.Aws.Core;
using Grid.CloudInABox;
using Grid.Tool.Cloud;
using Grid.Tool.Commands;

namespace Grid.Cloud.Tests;

/// <summary>
/// The emulator in-process on a free loopback port (quick state changes), a stand-in registry root that answers
/// ECR's login, and what a test needs to point the tool at them: the environment, clients, and a look at what is
/// left in the emulator's state.
/// </summary>
public sealed class CloudLab : IAsyncLifetime, IDisposable
{
    private HttpListener? _registry;

    public CloudInABox.CloudInABox Cloud { get; private set; } = null!;

    public CloudOptions Options { get; private set; } = null!;

    public string RegistryEndpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // A registry's API root that accepts the emulator's login: enough for the checks; pushes use a real registry.
        int port = FreePort();
        RegistryEndpoint = $"http://127.0.0.1:{port}";
        _registry = new HttpListener();
        _registry.Prefixes.Add(RegistryEndpoint + "/");
        _registry.Start();
        _ = ServeRegistryRootAsync(_registry);
        Options = new CloudOptions
        {
            InstanceTransition = TimeSpan.FromMilliseconds(50),
            BatchTransition = TimeSpan.FromMilliseconds(50),
            RegistryEndpoint = RegistryEndpoint,
            RegistryPassword = "registry-token",
        };
        Cloud = await CloudInABox.CloudInABox.StartAsync(Options);
    }

    public async Task DisposeAsync()
    {
        await Cloud.DisposeAsync();
        _registry?.Close();
    }

    public void Dispose() => _registry?.Close();

    /// <summary>What a user's shell would hold to point the tool at the emulator.</summary>
    public Func<string, string?> Environment(IReadOnlyDictionary<string, string?>? overrides = null) => name =>
        overrides is not null && overrides.TryGetValue(name, out var value) ? value : name switch
        {
            "AWS_ENDPOINT_URL" => Cloud.Endpoint.ToString(),
            "AWS_ACCESS_KEY_ID" => Options.AccessKeyId,
            "AWS_SECRET_ACCESS_KEY" => Options.SecretAccessKey,
            "AWS_REGION" => Options.Region,
            "AWS_EC2_METADATA_DISABLED" => "true",
            _ => null,
        };

    public AwsClients Clients() => AwsSession.Create(Options.Region, Environment());

    public CommandContext Context(ToolOutput output, string directory, IReadOnlyDictionary<string, string?>? overrides = null) =>
        new(output.Out, output.Error, directory, TimeProvider.System, ErrorIsTerminal: false) { Environment = Environment(overrides) };

    /// <summary>Everything of <paramref name="job"/> that still exists (or still runs), by the emulator's own records.</summary>
    public IReadOnlyList<string> Leftovers(string job)
    {
        var state = Cloud.State;
        lock (state.Gate)
        {
            state.Advance(state.Options.Time.GetUtcNow());
            bool Tagged(IReadOnlyDictionary<string, string> tags) => tags.TryGetValue(CloudNames.JobTag, out var value) && value == job;
            return
            [
                .. state.Instances.Values.Where(i => Tagged(i.Tags) && i.State != "terminated").Select(i => $"instance {i.InstanceId} {i.State}"),
                .. state.Fleets.Values.Where(f => Tagged(f.Tags) && !f.State.StartsWith("deleted", StringComparison.Ordinal)).Select(f => $"fleet {f.FleetId}"),
                .. state.LaunchTemplates.Values.Where(t => Tagged(t.Tags)).Select(t => $"launch template {t.Name}"),
                .. state.SecurityGroups.Values.Where(g => Tagged(g.Tags)).Select(g => $"security group {g.GroupName}"),
                .. state.ComputeEnvironments.Values.Where(e => Tagged(e.Tags)).Select(e => $"compute environment {e.Name}"),
                .. state.JobQueues.Values.Where(q => Tagged(q.Tags)).Select(q => $"job queue {q.Name}"),
                .. state.JobDefinitions.Where(d => d.Status == "ACTIVE" && d.Name.StartsWith($"grid-{CloudNames.Slug(job, 40)}-", StringComparison.Ordinal)).Select(d => $"job definition {d.Name}"),
            ];
        }
    }

    /// <summary>Security groups other than the VPC's default, repositories, templates: proof that nothing at all was created.</summary>
    public IReadOnlyList<string> AnythingCreated()
    {
        var state = Cloud.State;
        lock (state.Gate)
        {
            return
            [
                .. state.SecurityGroups.Values.Where(g => g.GroupName != "default").Select(g => $"security group {g.GroupName}"),
                .. state.LaunchTemplates.Values.Select(t => $"launch template {t.Name}"),
                .. state.Fleets.Keys.Select(f => $"fleet {f}"),
                .. state.Instances.Keys.Select(i => $"instance {i}"),
                .. state.Repositories.Keys.Select(r => $"repository {r}"),
                .. state.ComputeEnvironments.Keys.Select(e => $"compute environment {e}"),
                .. state.JobQueues.Keys.Select(q => $"job queue {q}"),
            ];
        }
    }

    /// <summary>A grid.json as the SDK writes it, with <paramref name="change"/> applied.</summary>
    public static string WriteManifest(string directory, Action<JsonObject>? change = null)
    {
        var json = JsonNode.Parse($$"""
            {
              "schemaVersion": 1, "sdkVersion": "0.1.0",
              "job": { "name": "TileStats", "assembly": "TileStats.dll" },
              "image": {
                "repository": "tilestats", "tag": "latest", "digest": "sha256:{{new string('a', 64)}}",
                "reference": null, "archive": "image.tar", "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "os": "linux", "architecture": "arm64", "entrypoint": ["dotnet", "/app/TileStats.dll"], "cmd": [],
                "workingDirectory": "/app/", "user": "1654", "baseImage": "mcr.microsoft.com/dotnet/runtime:10.0", "layers": []
              },
              "resources": { "cpu": 2, "memoryMiB": 4096, "gpu": 0 },
              "workers": { "count": 4, "slotsPerWorker": 2 },
              "spot": { "enabled": true, "maxPrice": null, "onDemandFallback": false, "instanceTypes": ["c7g.large", "m7g.large"] },
              "region": null, "retries": { "maxAttempts": 3 }, "timeouts": { "taskSeconds": null }
            }
            """)!.AsObject();
        change?.Invoke(json);
        string path = Path.Combine(directory, "grid.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    /// <summary>A job for the backends, as the checks would settle it, dialing a made-up head.</summary>
    public CloudJob Job(string job, string runId, CloudBackend backend = CloudBackend.Ec2, IReadOnlyList<string>? types = null, bool fallback = false)
    {
        IReadOnlyList<string> subnets;
        string vpc;
        lock (Cloud.State.Gate)
        {
            subnets = Cloud.State.Subnets.Select(s => s.SubnetId).ToList();
            vpc = Cloud.State.Subnets[0].VpcId;
        }

        return new CloudJob
        {
            Names = new CloudNames(job, runId),
            Backend = backend,
            Region = Options.Region,
            Account = Options.AccountId,
            Image = $"127.0.0.1:5000/{job.ToLowerInvariant()}@sha256:{new string('b', 64)}",
            Registry = "127.0.0.1:5000",
            Architecture = "arm64",
            InstanceTypes = types ?? ["c7g.large", "m7g.large"],
            VpcId = vpc,
            SubnetIds = subnets,
            OnDemandFallback = fallback,
            Workers = 4,
            SlotsPerWorker = 2,
            InstanceProfile = "grid-worker",
            MachineImage = CloudJob.DefaultMachineImage("arm64"),
            Dial = new WorkerDial("127.0.0.1:7400", new string('c', 64), "run-token"),
        };
    }

    private static async Task ServeRegistryRootAsync(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var expected = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("AWS:registry-token"));
            context.Response.StatusCode = context.Request.Url?.AbsolutePath == "/v2/" && context.Request.Headers["Authorization"] == expected ? 200 : 401;
            context.Response.Close();
        }
    }

    /// <summary>A loopback port nobody listens on (now).</summary>
    public static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}

/// <summary>What a command wrote.</summary>
public sealed class ToolOutput
{
    public StringWriter Out { get; } = new();

    public StringWriter Error { get; } = new();

    public override string ToString() => $"stdout:\n{Out}\nstderr:\n{Error}";
}

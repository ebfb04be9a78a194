namespace Grid.EndToEnd.Tests;

/// <summary>
/// The container side of the cloud-in-a-box, made by the project's own scripts in a temporary state dir: Debian's
/// distribution registry on a free loopback port with ECR-style basic auth (<c>eng/registry.sh run --auth</c>, kept
/// as this process's own child so that it is killed and reaped by id), podman settings (<c>eng/podman-env.sh</c>)
/// and the offline .NET base image pushed into the registry (<c>eng/base-image.sh</c>). Started on first use, so
/// tests that need none of it pay nothing; stopped when the collection ends.
/// </summary>
public sealed class ContainerLab : IAsyncLifetime
{
    /// <summary>What the container tests run: a missing one fails them with the install step.</summary>
    private static readonly string[] RequiredCommands = ["docker-registry", "skopeo", "umoci", "podman", "/usr/bin/python3"];

    private readonly Dictionary<string, string?> _environment = [];
    private readonly Lazy<Task> _start;
    private LoopbackRegistry? _registry;

    public ContainerLab()
    {
        _start = new Lazy<Task>(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string StateDirectory { get; } = Directory.CreateTempSubdirectory("grid-lab-").FullName;

    /// <summary>host:port of the loopback registry.</summary>
    public string Registry => Get("GRID_REGISTRY");

    public string User => Get("GRID_REGISTRY_USER");

    public string Password => Get("GRID_REGISTRY_PASSWORD");

    /// <summary>The base image as a tag in the registry: REGISTRY/dotnet/runtime:10.0.</summary>
    public string BaseImage { get; private set; } = "";

    /// <summary>The base image pinned by the digest base-image.sh pushed.</summary>
    public string BaseImageDigest { get; private set; } = "";

    /// <summary>
    /// What the SDK, skopeo and podman need to reach the registry: plain HTTP to it, its credentials (for a push and
    /// for the pull alone), and podman's settings.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Environment => _environment;

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Starts the registry, writes podman's settings and pushes the base image, once (a failure stays failed).</summary>
    public Task EnsureStartedAsync() => _start.Value;

    public async Task DisposeAsync()
    {
        if (_registry is { } registry)
        {
            await registry.DisposeAsync();
        }

        // podman's overlay driver bind-mounts its storage folder and unmounts it only when a command ends cleanly.
        if (File.Exists("/proc/self/mounts"))
        {
            var mounts = File.ReadAllLines("/proc/self/mounts")
                .Select(line => line.Split(' ')[1])
                .Where(path => path.StartsWith(StateDirectory + "/", StringComparison.Ordinal))
                .OrderByDescending(path => path.Length);
            foreach (string mount in mounts)
            {
                await Shell.RunAsync("umount", [mount], "/");
            }
        }

        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Runs a program with the lab's environment and returns its result.</summary>
    public Task<Shell.Result> RunAsync(string program, params string[] arguments) =>
        Shell.RunAsync(program, arguments, StateDirectory, _environment, TimeSpan.FromMinutes(2));

    /// <summary>skopeo with the registry's credentials, on plain HTTP; fails the test when skopeo fails.</summary>
    public async Task<string> SkopeoInspectAsync(string image, bool config = false)
    {
        var arguments = new List<string> { "inspect" };
        if (config)
        {
            arguments.Add("--config");
        }

        if (image.StartsWith("docker://", StringComparison.Ordinal))
        {
            arguments.AddRange(["--tls-verify=false", "--creds", $"{User}:{Password}"]);
        }

        arguments.Add(image);
        var result = await RunAsync("skopeo", [.. arguments]);
        PackedGrid.Require(result, "skopeo " + string.Join(' ', arguments.Where(a => !a.Contains(Password, StringComparison.Ordinal))));
        return result.Out;
    }

    private async Task StartAsync()
    {
        var missing = RequiredCommands.Where(c => !OnPath(c)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"The container tests need {string.Join(", ", missing)}, which this machine lacks; run: eng/install-deps.sh");
        }

        string eng = Path.Combine(PackedGrid.RepositoryRoot, "eng");
        _environment["GRID_STATE_DIR"] = StateDirectory;
        _registry = await LoopbackRegistry.StartAsync(StateDirectory, auth: true);
        Import(_registry.Environment);

        var podman = await Shell.RunAsync("bash", [Path.Combine(eng, "podman-env.sh")], StateDirectory, _environment);
        PackedGrid.Require(podman, "eng/podman-env.sh");
        Import(LoopbackRegistry.ParseExports(podman.Out));

        var baseImage = await Shell.RunAsync("bash", [Path.Combine(eng, "base-image.sh")], PackedGrid.RepositoryRoot, _environment, TimeSpan.FromMinutes(3));
        PackedGrid.Require(baseImage, "eng/base-image.sh");
        BaseImageDigest = baseImage.Out.Trim();
        BaseImage = BaseImageDigest.Split('@')[0];
    }

    private void Import(IReadOnlyDictionary<string, string?> values)
    {
        foreach (var (name, value) in values)
        {
            _environment[name] = value;
        }
    }

    private string Get(string name) =>
        _environment.TryGetValue(name, out string? value) && value is not null ? value : throw new InvalidOperationException($"{name} is not set: call EnsureStartedAsync first");

    private static bool OnPath(string command) =>
        command.StartsWith('/')
            ? File.Exists(command)
            : (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, command)));
}

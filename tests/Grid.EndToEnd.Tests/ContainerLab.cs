using System.Diagnostics;
using System.Net;

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
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    /// <summary>What the container tests run: a missing one fails them with the install step.</summary>
    private static readonly string[] RequiredCommands = ["docker-registry", "skopeo", "umoci", "podman", "/usr/bin/python3"];

    private readonly Dictionary<string, string?> _environment = [];
    private readonly Lazy<Task> _start;
    private Process? _registry;

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
            if (!registry.HasExited)
            {
                registry.Kill(entireProcessTree: true);
            }

            await registry.WaitForExitAsync();
            registry.Dispose();
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
        _environment["GRID_REGISTRY_PORT"] = "0";

        // `run` prints the export lines, then execs the registry with its output in the state dir's log, which
        // closes our end of stdout: read to the end, then wait until /v2/ answers.
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { Path.Combine(eng, "registry.sh"), "run", "--auth" },
            WorkingDirectory = StateDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        _registry = Process.Start(start)!;
        var stderr = _registry.StandardError.ReadToEndAsync();
        string exports = await _registry.StandardOutput.ReadToEndAsync().WaitAsync(StartTimeout);
        Import(exports);
        if (!_environment.ContainsKey("GRID_REGISTRY"))
        {
            await _registry.WaitForExitAsync();
            throw new InvalidOperationException($"eng/registry.sh run --auth printed no registry:\n{exports}\n{await stderr}");
        }

        await WaitForRegistryAsync();

        var podman = await Shell.RunAsync("bash", [Path.Combine(eng, "podman-env.sh")], StateDirectory, _environment);
        PackedGrid.Require(podman, "eng/podman-env.sh");
        Import(podman.Out);

        var baseImage = await Shell.RunAsync("bash", [Path.Combine(eng, "base-image.sh")], PackedGrid.RepositoryRoot, _environment, TimeSpan.FromMinutes(3));
        PackedGrid.Require(baseImage, "eng/base-image.sh");
        BaseImageDigest = baseImage.Out.Trim();
        BaseImage = BaseImageDigest.Split('@')[0];
    }

    private async Task WaitForRegistryAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_registry!.HasExited)
            {
                string log = Path.Combine(StateDirectory, "registry", "registry.log");
                throw new InvalidOperationException($"docker-registry exited ({_registry.ExitCode}):\n{(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://{Registry}/v2/"));
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the registry on {Registry} did not answer /v2/ in {StartTimeout.TotalSeconds} s");
            }

            await Task.Delay(50);
        }
    }

    // `export NAME=value` lines, as the eng scripts print them (values without quoting: hosts, ports, paths, tokens).
    private void Import(string exports)
    {
        foreach (string line in exports.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith("export ", StringComparison.Ordinal))
            {
                continue;
            }

            string assignment = line["export ".Length..];
            int equals = assignment.IndexOf('=', StringComparison.Ordinal);
            _environment[assignment[..equals]] = assignment[(equals + 1)..];
        }
    }

    private string Get(string name) =>
        _environment.TryGetValue(name, out string? value) && value is not null ? value : throw new InvalidOperationException($"{name} is not set: call EnsureStartedAsync first");

    private static bool OnPath(string command) =>
        command.StartsWith('/')
            ? File.Exists(command)
            : (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, command)));
}

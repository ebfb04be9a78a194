using System.Diagnostics;
using System.Net;
using Grid.CloudInABox.Runtime;

namespace Grid.CloudInABox.Tests;

/// <summary>
/// The cloud-in-a-box with workloads that really run: the loopback registry with ECR-style auth
/// (<c>eng/registry.sh run --auth</c>, this process's own child), podman's settings (<c>eng/podman-env.sh</c>), a
/// small image pushed to the registry, and the emulator with a <see cref="ProcessWorkloadRuntime"/>, all in a
/// temporary state dir. The image is bash and the libraries it loads, from this machine: enough for a command that
/// writes to <c>/dev/tcp/127.0.0.1/PORT</c>, i.e. dials a listener of the test (with <c>--network host</c>).
/// </summary>
public sealed class WorkloadLab : IAsyncLifetime
{
    private static readonly string[] RequiredCommands = ["docker-registry", "podman", "catatonit", "curl", "/usr/bin/aws", "/usr/bin/python3"];

    private readonly Dictionary<string, string> _environment = [];
    private Process? _registry;

    public string StateDirectory { get; } = Directory.CreateTempSubdirectory("grid-cloud-run-").FullName;

    public CloudInABox Cloud { get; private set; } = null!;

    public CloudOptions Options { get; private set; } = null!;

    public ProcessWorkloadRuntime Runtime { get; private set; } = null!;

    /// <summary>host:port of the loopback registry.</summary>
    public string Registry => _environment["GRID_REGISTRY"];

    /// <summary>The bash image pinned by digest: REGISTRY/grid/bash@sha256:...</summary>
    public string Image { get; private set; } = "";

    /// <summary>podman's settings: what the runtime gives every process, and what the test's own podman calls need.</summary>
    public IReadOnlyDictionary<string, string> PodmanEnvironment => _environment.Where(kv => kv.Key.StartsWith("CONTAINERS_", StringComparison.Ordinal)).ToDictionary();

    public async Task InitializeAsync()
    {
        var missing = RequiredCommands.Where(c => !OnPath(c)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"the cloud-in-a-box's running mode needs {string.Join(", ", missing)}; run: eng/install-deps.sh");
        }
        var eng = Path.Combine(RepositoryRoot, "eng");
        _environment["GRID_STATE_DIR"] = StateDirectory;
        _environment["GRID_REGISTRY_PORT"] = "0";

        // `run` prints the export lines, then execs the registry with its output in the state dir's log.
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(eng, "registry.sh"));
        start.ArgumentList.Add("run");
        start.ArgumentList.Add("--auth");
        start.Environment["GRID_STATE_DIR"] = StateDirectory;
        start.Environment["GRID_REGISTRY_PORT"] = "0";
        _registry = Process.Start(start)!;
        _ = _registry.StandardError.ReadToEndAsync();
        Import(await _registry.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        await WaitForRegistryAsync();
        Import(await RunAsync("bash", [Path.Combine(eng, "podman-env.sh")]));

        Image = await PushBashImageAsync();

        Runtime = new ProcessWorkloadRuntime(new ProcessRuntimeSettings
        {
            Directory = Path.Combine(StateDirectory, "workloads"),
            Registry = Registry,
            RegistryUser = _environment["GRID_REGISTRY_USER"],
            RegistryPassword = _environment["GRID_REGISTRY_PASSWORD"],
            Environment = PodmanEnvironment,
        });
        Options = new CloudOptions
        {
            InstanceTransition = TimeSpan.FromMilliseconds(50),
            BatchTransition = TimeSpan.FromMilliseconds(50),
            RegistryEndpoint = "http://" + Registry,
            RegistryUser = _environment["GRID_REGISTRY_USER"],
            RegistryPassword = _environment["GRID_REGISTRY_PASSWORD"],
            Runtime = Runtime,
        };
        Cloud = await CloudInABox.StartAsync(Options);
    }

    public async Task DisposeAsync()
    {
        if (Cloud is not null)
        {
            await Cloud.DisposeAsync();
        }
        if (_registry is { } registry)
        {
            if (!registry.HasExited)
            {
                registry.Kill(entireProcessTree: true);
            }
            await registry.WaitForExitAsync();
            registry.Dispose();
        }
        // podman's overlay driver leaves its storage folder mounted unless a command ends cleanly.
        foreach (var mount in File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')[1])
            .Where(p => p.StartsWith(StateDirectory + "/", StringComparison.Ordinal)).OrderByDescending(p => p.Length))
        {
            await RunAsync("umount", [mount], check: false);
        }
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Runs a program with the lab's environment (podman settings, registry); returns stdout, failing on a non-zero exit.</summary>
    public async Task<string> RunAsync(string program, string[] arguments, string? input = null, bool check = true)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = StateDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}");
        }
        return await stdout;
    }

    /// <summary>The containers podman holds with <paramref name="label"/> (running or not).</summary>
    public async Task<string[]> ContainersAsync(string label) =>
        (await RunAsync("podman", ["ps", "--all", "--quiet", "--filter", "label=" + label])).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>True when <paramref name="pid"/> has ended (gone, or a zombie nobody has reaped yet).</summary>
    public static bool Gone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds, for up to <paramref name="seconds"/>.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {seconds} s waiting for {what}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A rootfs of bash and what ldd says it loads, imported, pushed with the registry's credentials, then dropped locally.</summary>
    private async Task<string> PushBashImageAsync()
    {
        var rootfs = Directory.CreateDirectory(Path.Combine(StateDirectory, "bash-rootfs")).FullName;
        var ldd = await RunAsync("ldd", ["/usr/bin/bash"]);
        var files = ldd.Split('\n').SelectMany(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)).Where(w => w.StartsWith('/')).Append("/usr/bin/bash");
        foreach (var file in files)
        {
            var target = rootfs + file;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
        Directory.CreateDirectory(Path.Combine(rootfs, "tmp"));
        var tag = $"{Registry}/grid/bash:test";
        await RunAsync("bash", ["-c", "tar -C \"$1\" -c . | podman import --change 'CMD [\"bash\"]' - \"$2\" >/dev/null", "bash", rootfs, tag]);
        var digestFile = Path.Combine(StateDirectory, "bash.digest");
        await RunAsync("podman", ["push", "--quiet", "--tls-verify=false", "--digestfile", digestFile,
            "--creds", $"{_environment["GRID_REGISTRY_USER"]}:{_environment["GRID_REGISTRY_PASSWORD"]}", tag]);
        // Dropped from local storage, so that the machines' and jobs' pulls really pull.
        await RunAsync("podman", ["rmi", tag]);
        return $"{Registry}/grid/bash@{(await File.ReadAllTextAsync(digestFile)).Trim()}";
    }

    private async Task WaitForRegistryAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually(async () =>
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://{Registry}/v2/"));
                return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, "the registry to answer /v2/", 20);
    }

    // `export NAME=value` lines, as the eng scripts print them.
    private void Import(string exports)
    {
        foreach (var line in exports.Split('\n').Where(l => l.StartsWith("export ", StringComparison.Ordinal)))
        {
            var pair = line["export ".Length..].Split('=', 2);
            _environment[pair[0]] = pair[1].Trim('\'', '"');
        }
    }

    private static bool OnPath(string command) => command.StartsWith('/')
        ? File.Exists(command)
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, command)));

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BatchSdk.sln")))
            {
                directory = directory.Parent;
            }
            return directory?.FullName ?? throw new InvalidOperationException("BatchSdk.sln not found above " + AppContext.BaseDirectory);
        }
    }
}

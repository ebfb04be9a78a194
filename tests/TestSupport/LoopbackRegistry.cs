using System.Diagnostics;
using System.Net;

namespace Grid.TestSupport;

/// <summary>
/// Debian's distribution registry on a free loopback port, started by the project's own script
/// (<c>eng/registry.sh run</c>, with <c>--auth</c> for ECR-style htpasswd basic auth) in a state dir of the caller's,
/// and kept as this process's own child so that it is killed and reaped by id.
/// </summary>
public sealed class LoopbackRegistry : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly Dictionary<string, string?> _environment;

    private LoopbackRegistry(Process process, Dictionary<string, string?> environment, string stateDirectory)
    {
        _process = process;
        _environment = environment;
        StateDirectory = stateDirectory;
    }

    public string StateDirectory { get; }

    /// <summary>host:port.</summary>
    public string Address => Get("GRID_REGISTRY");

    /// <summary>The user of an --auth registry (AWS), else null.</summary>
    public string? User => _environment.GetValueOrDefault("GRID_REGISTRY_USER");

    public string? Password => _environment.GetValueOrDefault("GRID_REGISTRY_PASSWORD");

    /// <summary>The lines the script printed: the registry, and the credentials for the SDK and skopeo.</summary>
    public IReadOnlyDictionary<string, string?> Environment => _environment;

    /// <summary>The repository root: the folder above the test's output that holds BatchSdk.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Starts a registry whose state lives in <paramref name="stateDirectory"/>; fails with the install step when docker-registry is missing.</summary>
    public static async Task<LoopbackRegistry> StartAsync(string stateDirectory, bool auth)
    {
        if (!(System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "docker-registry"))))
        {
            throw new InvalidOperationException("docker-registry is not installed; run: eng/install-deps.sh");
        }

        // `run` prints the export lines, then execs the registry with its output in the state dir's log, which
        // closes our end of stdout: read to the end, then wait until /v2/ answers.
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { Path.Combine(RepositoryRoot, "eng", "registry.sh"), "run" },
            WorkingDirectory = stateDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (auth)
        {
            start.ArgumentList.Add("--auth");
        }

        start.Environment["GRID_STATE_DIR"] = stateDirectory;
        start.Environment["GRID_REGISTRY_PORT"] = "0";
        var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string exports = await process.StandardOutput.ReadToEndAsync().WaitAsync(StartTimeout);
        var environment = new Dictionary<string, string?>(ParseExports(exports));
        var registry = new LoopbackRegistry(process, environment, stateDirectory);
        if (!environment.ContainsKey("GRID_REGISTRY"))
        {
            await registry.DisposeAsync();
            throw new InvalidOperationException($"eng/registry.sh run printed no registry:\n{exports}\n{await stderr}");
        }

        try
        {
            await registry.WaitUntilServingAsync();
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }

        return registry;
    }

    /// <summary>`export NAME=value` lines, as the eng scripts print them (values without quoting: hosts, ports, paths, tokens).</summary>
    public static Dictionary<string, string?> ParseExports(string exports)
    {
        var values = new Dictionary<string, string?>();
        foreach (string line in exports.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                string assignment = line["export ".Length..];
                int equals = assignment.IndexOf('=', StringComparison.Ordinal);
                values[assignment[..equals]] = assignment[(equals + 1)..];
            }
        }

        return values;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private async Task WaitUntilServingAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                string log = Path.Combine(StateDirectory, "registry", "registry.log");
                throw new InvalidOperationException($"docker-registry exited ({_process.ExitCode}):\n{(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://{Address}/v2/"));
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
                throw new TimeoutException($"the registry on {Address} did not answer /v2/ in {StartTimeout.TotalSeconds} s");
            }

            await Task.Delay(50);
        }
    }

    private string Get(string name) =>
        _environment.TryGetValue(name, out string? value) && value is not null ? value : throw new InvalidOperationException($"eng/registry.sh printed no {name}");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BatchSdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BatchSdk.sln not found above " + AppContext.BaseDirectory);
    }
}

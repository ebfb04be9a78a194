using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Grid.CloudInABox.Runtime;

/// <summary>
/// Runs what the emulator's records stand for, on this machine.
/// <para>An instance is a machine: its launch template's user data runs as <c>bash user-data.sh</c> in
/// <c>instances/&lt;id&gt;/</c>, in a process group of its own under <c>catatonit</c> (a subreaper, so that what the
/// script leaves behind is reaped: PID 1 here reaps nothing), output to <c>console.log</c> (the console output),
/// with the instance's environment (its IMDS, the emulator as AWS endpoint and its keys as the instance role) and
/// the <see cref="MachineShims"/> first on PATH. When the script ends the instance shuts down; when the instance
/// is terminated the group gets SIGTERM, SIGKILL after <see cref="ProcessRuntimeSettings.StopGrace"/>, and its
/// containers (labelled with the instance id) are removed.</para>
/// <para>A Batch job is <c>podman run --rm --network host</c> of its image and command, named
/// <c>grid-job-&lt;id&gt;</c>, output to <c>jobs/&lt;id&gt;/output.log</c>; its exit code decides SUCCEEDED or FAILED.
/// Stopping it removes the container.</para>
/// </summary>
public sealed partial class ProcessWorkloadRuntime : IWorkloadRuntime
{
    private const string JobLabel = "grid-cloud-job";

    private readonly ProcessRuntimeSettings _settings;
    private readonly string _podman;
    private readonly string _catatonit;
    private readonly ConcurrentDictionary<string, Workload> _running = new();
    private readonly ConcurrentDictionary<string, byte> _instancesStarted = new();
    private readonly List<Task> _stops = [];
    private readonly Lock _loginGate = new();
    private Task? _login;

    public ProcessWorkloadRuntime(ProcessRuntimeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _podman = OnPath("podman") ?? throw Missing("podman");
        _catatonit = OnPath("catatonit") ?? throw Missing("catatonit");
        Directory.CreateDirectory(settings.Directory);
        var aws = File.Exists("/usr/bin/aws") ? "/usr/bin/aws" : OnPath("aws");
        MachineShims.Write(ShimDirectory, _podman, aws);
    }

    public bool RunsBatchJobs => true;

    private string ShimDirectory => Path.Combine(_settings.Directory, "bin");

    private string AuthFile => Path.Combine(_settings.Directory, "auth.json");

    /// <summary>The folder of an instance (user-data.sh, console.log) or a job (output.log).</summary>
    public string WorkloadDirectory(string kind, string id) =>
        Path.Combine(_settings.Directory, kind == WorkloadStart.InstanceKind ? "instances" : "jobs", id.Replace(':', '-'));

    public async Task StartAsync(WorkloadStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var directory = WorkloadDirectory(start.Kind, start.Id);
        Directory.CreateDirectory(directory);
        try
        {
            var workload = start.Kind == WorkloadStart.InstanceKind
                ? StartMachine(start, directory)
                : await StartJobAsync(start, directory, cancellationToken);
            if (workload is not null)
            {
                _running[start.Id] = workload;
                _ = FollowAsync(workload, start);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A workload that cannot start ends at once, as a machine whose boot fails or a job whose image is missing.
            await File.AppendAllTextAsync(Path.Combine(directory, start.Kind == WorkloadStart.InstanceKind ? "console.log" : "output.log"),
                $"cloud-in-a-box: could not start: {e.Message}\n", cancellationToken);
            start.Exited(127);
        }
    }

    public Task StopAsync(string id, string reason, CancellationToken cancellationToken)
    {
        var running = _running.TryRemove(id, out var workload);
        var sweep = _instancesStarted.TryRemove(id, out _);
        if (!running && !sweep)
        {
            return Task.CompletedTask;
        }
        // In the background: the clock loop goes on while the grace period runs; StopAllAsync waits for it.
        var stop = Task.Run(async () =>
        {
            if (workload is not null)
            {
                workload.StopRequested = true;
                await (workload.Kind == WorkloadStart.InstanceKind ? StopMachineAsync(workload) : StopJobAsync(workload));
            }
            if (sweep)
            {
                await RemoveContainersAsync($"{MachineShims.InstanceLabel}={id}");
            }
        }, CancellationToken.None);
        lock (_stops)
        {
            _stops.RemoveAll(t => t.IsCompleted);
            _stops.Add(stop);
        }
        return Task.CompletedTask;
    }

    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        foreach (var id in _running.Keys.Concat(_instancesStarted.Keys).Distinct().ToList())
        {
            await StopAsync(id, "the cloud-in-a-box is shutting down", cancellationToken);
        }
        Task[] stops;
        lock (_stops)
        {
            stops = [.. _stops];
        }
        await Task.WhenAll(stops);
    }

    private Workload? StartMachine(WorkloadStart start, string directory)
    {
        if (string.IsNullOrWhiteSpace(start.UserData))
        {
            return null; // no user data: the machine boots and idles
        }
        var script = Path.Combine(directory, "user-data.sh");
        File.WriteAllText(script, start.UserData);
        var environment = new Dictionary<string, string>(start.Environment)
        {
            ["PATH"] = ShimDirectory + ":" + (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin"),
            ["GRID_CLOUD_INSTANCE_ID"] = start.Id,
            ["REGISTRY_AUTH_FILE"] = Path.Combine(directory, "auth.json"),
            ["AWS_PAGER"] = "",
        };
        _instancesStarted[start.Id] = 0;
        // catatonit -g: the script in its own process group, catatonit outside it reaping what the group leaves.
        var process = Launch(Path.Combine(directory, "console.log"), directory, environment, [_catatonit, "-g", "--", "bash", script]);
        return new Workload(start.Id, start.Kind, process);
    }

    private async Task<Workload> StartJobAsync(WorkloadStart start, string directory, CancellationToken cancellationToken)
    {
        var image = start.Image ?? throw new InvalidOperationException($"job {start.Id} has no image");
        await LogInAsync(image, cancellationToken);
        var name = ContainerName(start.Id);
        List<string> command = [_catatonit, "--", _podman, "run", "--rm", "--network", "host", "--tls-verify=false",
            "--name", name, "--label", $"{JobLabel}={start.Id}"];
        foreach (var (key, value) in start.Environment)
        {
            command.AddRange(["--env", $"{key}={value}"]);
        }
        command.Add(image);
        command.AddRange(start.Command);
        var environment = new Dictionary<string, string> { ["REGISTRY_AUTH_FILE"] = AuthFile };
        var process = Launch(Path.Combine(directory, "output.log"), directory, environment, command);
        return new Workload(start.Id, start.Kind, process) { Container = name };
    }

    /// <summary>Logs podman in to the loopback registry once (again after a failure), as an ECS agent does with ECR's token.</summary>
    private async Task LogInAsync(string image, CancellationToken cancellationToken)
    {
        if (_settings.Registry is not { } registry || !image.StartsWith(registry + "/", StringComparison.Ordinal))
        {
            return;
        }
        Task login;
        lock (_loginGate)
        {
            login = _login is { IsFaulted: false } ? _login : _login = LogInToAsync(registry);
        }
        await login.WaitAsync(cancellationToken);
    }

    private async Task LogInToAsync(string registry)
    {
        var (exit, output) = await RunAsync([_podman, "login", "--tls-verify=false", "--username", _settings.RegistryUser, "--password-stdin", registry],
            _settings.RegistryPassword, new Dictionary<string, string> { ["REGISTRY_AUTH_FILE"] = AuthFile });
        if (exit != 0)
        {
            throw new InvalidOperationException($"podman login {registry} failed ({exit}): {output}");
        }
    }

    private async Task FollowAsync(Workload workload, WorkloadStart start)
    {
        await workload.Process.WaitForExitAsync();
        var exitCode = workload.Process.ExitCode;
        workload.Process.Dispose();
        _running.TryRemove(KeyValuePair.Create(workload.Id, workload));
        workload.Exited.TrySetResult();
        if (!workload.StopRequested)
        {
            start.Exited(exitCode);
        }
    }

    private async Task StopMachineAsync(Workload workload)
    {
        // The script's group is catatonit's child's: SIGTERM it (an OS shutdown), then SIGKILL what is left.
        var group = ChildOf(workload.Pid);
        Signal(group, workload.Pid, Native.SigTerm);
        if (!await ExitsWithin(workload, _settings.StopGrace))
        {
            Signal(group, workload.Pid, Native.SigKill);
            await workload.Exited.Task;
        }
    }

    private async Task StopJobAsync(Workload workload)
    {
        await RunAsync([_podman, "rm", "--force", "--time", "0", workload.Container!], null, null);
        if (!await ExitsWithin(workload, _settings.StopGrace))
        {
            Native.Kill(workload.Pid, Native.SigKill);
            await workload.Exited.Task;
        }
    }

    private async Task RemoveContainersAsync(string label)
    {
        var (_, ids) = await RunAsync([_podman, "ps", "--all", "--quiet", "--filter", $"label={label}"], null, null);
        var containers = ids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (containers.Length > 0)
        {
            await RunAsync([_podman, "rm", "--force", "--time", "0", .. containers], null, null);
        }
    }

    private static async Task<bool> ExitsWithin(Workload workload, TimeSpan grace)
    {
        try
        {
            await workload.Exited.Task.WaitAsync(grace);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Signals process group <paramref name="group"/>, or, when it is unknown, catatonit (which passes it on).</summary>
    private static void Signal(int? group, int catatonit, int signal)
    {
        if (group is { } g)
        {
            Native.Kill(-g, signal);
        }
        else
        {
            Native.Kill(catatonit, signal);
        }
    }

    /// <summary>The first child of <paramref name="pid"/> (catatonit's one child, the script: its process group).</summary>
    private static int? ChildOf(int pid)
    {
        try
        {
            var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Length > 0 && int.TryParse(children[0], out var child) ? child : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Starts <paramref name="command"/> with stdin from /dev/null and stdout and stderr appended to <paramref name="log"/>.</summary>
    private Process Launch(string log, string workingDirectory, Dictionary<string, string> environment, IEnumerable<string> command)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var argument in (string[])["-c", "log=$1; shift; exec \"$@\" </dev/null >>\"$log\" 2>&1", "bash", log, .. command])
        {
            start.ArgumentList.Add(argument);
        }
        Configure(start, environment);
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {string.Join(' ', command)}");
    }

    /// <summary>Runs a short podman command to its end; returns its exit code and output (stdout, then stderr).</summary>
    private async Task<(int Exit, string Output)> RunAsync(string[] command, string? input, Dictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        Configure(start, environment ?? []);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private void Configure(ProcessStartInfo start, Dictionary<string, string> environment)
    {
        // The emulator's own AWS settings are not the machine's: its role's keys come from the workload's environment.
        foreach (var name in new[] { "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE" })
        {
            start.Environment.Remove(name);
        }
        foreach (var (key, value) in _settings.Environment.Concat(environment))
        {
            start.Environment[key] = value;
        }
    }

    /// <summary>A container name podman accepts, one per job: <c>grid-job-&lt;job id with ':' as '-'&gt;</c>.</summary>
    private static string ContainerName(string jobId) => "grid-job-" + jobId.Replace(':', '-');

    private static string? OnPath(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static InvalidOperationException Missing(string program) =>
        new($"the cloud-in-a-box runs workloads with {program}, which is not installed; run: eng/install-deps.sh");

    private sealed class Workload(string id, string kind, Process process)
    {
        public string Id { get; } = id;
        public string Kind { get; } = kind;
        public Process Process { get; } = process;
        public int Pid { get; } = process.Id;
        public string? Container { get; init; }
        public volatile bool StopRequested;
        public TaskCompletionSource Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static class Native
    {
        public const int SigKill = 9;
        public const int SigTerm = 15;

        private const string Libc = "libc";

        static Native()
        {
            // The process has its C library loaded already (libc.so.6 on glibc): look kill up there.
            NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, static (name, _, _) =>
                name == Libc ? NativeLibrary.GetMainProgramHandle() : IntPtr.Zero);
        }

        /// <summary>kill(2); a pid that is gone already (ESRCH) is not an error here.</summary>
        public static void Kill(int pid, int signal) => _ = kill(pid, signal);

        [DllImport(Libc, SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        private static extern int kill(int pid, int signal);
    }
}

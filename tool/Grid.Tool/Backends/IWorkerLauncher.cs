namespace Grid.Tool.Backends;

/// <summary>
/// Starts workers. A backend (local processes, local containers, cloud instances) gives the head duplex byte
/// streams that speak the task protocol; the head does not care where the other end runs.
/// </summary>
public interface IWorkerLauncher
{
    /// <summary>What the workers are, for messages ("2 local processes of TileStats").</summary>
    string Describe(int workers);

    /// <summary>Starts one worker. The returned handle's streams are open; the worker has not yet said Hello.</summary>
    Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken);

    /// <summary>The token this backend's workers present in Hello (workers that dial in); null when they present none (stdio).</summary>
    string? RunToken => null;
}

/// <summary>One running worker as its backend sees it.</summary>
public interface IWorkerHandle : IAsyncDisposable
{
    /// <summary>Bytes to the worker (its stdin).</summary>
    Stream Input { get; }

    /// <summary>Bytes from the worker (its stdout): protocol frames only.</summary>
    Stream Output { get; }

    /// <summary>Where it runs: "pid 1234", "container 3f2a…", "i-0abc…".</summary>
    string Location { get; }

    /// <summary>Completes when the worker has exited, with its exit code when known.</summary>
    Task<WorkerExit> Exited { get; }

    /// <summary>Stops the worker at once (SIGKILL or equivalent). Safe to call more than once.</summary>
    void Kill();

    /// <summary>
    /// The buffer the head reads <see cref="Output"/> into. A pipe fills as much as it is given, so 64 KiB by default;
    /// a TLS stream returns at most one record (16 KiB) a read, and a thousand such workers each holding a 64 KiB
    /// buffer for a pending read would be 64 MiB of the head's memory for nothing.
    /// </summary>
    int ReadBufferBytes => 64 * 1024;
}

/// <summary>How a worker ended: an exit code, and the signal when one killed it.</summary>
public sealed record WorkerExit(int? ExitCode, string Description)
{
    /// <summary>Exit 137 is 128 + SIGKILL: killed by the OOM killer, an operator, or the head.</summary>
    public bool WasKilled => ExitCode == 137;

    /// <summary>How a worker that exited with <paramref name="code"/> ended, in words (128 + N is signal N).</summary>
    public static WorkerExit Of(int code) => new(code, code switch
    {
        0 => "exited normally",
        137 => "killed (SIGKILL: out of memory, an operator, or the head)",
        134 => "aborted (SIGABRT: a crash or Environment.FailFast)",
        139 => "crashed (SIGSEGV)",
        143 => "terminated (SIGTERM)",
        > 128 and < 160 => $"killed by signal {code - 128}",
        _ => $"exited with code {code}",
    });
}

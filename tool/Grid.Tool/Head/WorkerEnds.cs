using Grid.Tool.Backends;

namespace Grid.Tool.Head;

/// <summary>
/// Why a worker ended, as recorded in attempts.jsonl (a lost attempt's cause), workers.jsonl and the summary.
/// None of these charge a task's attempts; a death while a task ran counts toward its quarantine.
/// </summary>
public static class WorkerEnds
{
    /// <summary>Told to shut down when the work was done.</summary>
    public const string Finished = "finished";

    /// <summary>It announced it was going away (a spot notice) and gave its tasks back.</summary>
    public const string Drained = "drained";

    /// <summary>SIGKILL from outside (exit 137): the OOM killer, an operator, a reclaimed machine.</summary>
    public const string Killed = "killed";

    /// <summary>A crash: a signal such as SIGSEGV or SIGABRT (FailFast), or a non-zero exit.</summary>
    public const string Crashed = "crashed";

    /// <summary>Exit 0 with work outstanding: the program ended on its own.</summary>
    public const string Exited = "exited";

    /// <summary>Silent for a whole lease: hung, starved, or cut off.</summary>
    public const string LeaseExpired = "lease_expired";

    /// <summary>Broke the protocol (GRID6001–6009) and was dropped.</summary>
    public const string ProtocolError = "protocol_error";

    /// <summary>Its connection closed or broke with work outstanding (a worker that dialed in: no exit code to read).</summary>
    public const string Disconnected = "disconnected";

    /// <summary>An attempt the worker never received (a later one started, this one did not): sent again elsewhere, uncharged.</summary>
    public const string LostInTransit = "lost_in_transit";

    /// <summary>Killed by the head: another task on it ignored its timeout's cancellation, or it never said Hello.</summary>
    public const string KilledByHead = "killed_by_head";

    public static string Classify(WorkerExit? exit, bool killedByHead, bool draining, bool workRemains)
    {
        if (killedByHead)
        {
            return KilledByHead;
        }

        if (draining)
        {
            return Drained;
        }

        if (!workRemains)
        {
            return Finished;
        }

        return exit?.ExitCode switch
        {
            null when exit is not null => Disconnected,
            137 => Killed,
            0 => Exited,
            _ => Crashed,
        };
    }
}

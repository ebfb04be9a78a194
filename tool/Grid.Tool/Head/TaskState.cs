namespace Grid.Tool.Head;

/// <summary>
/// A task's life: Pending → Leased (sent to a worker) → Running (the worker said Started) → one of the three
/// terminal states. Any loss before a result sends it back to Pending with the next attempt number.
/// </summary>
public enum TaskState : byte
{
    Pending,
    Leased,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Quarantined,
}

/// <summary>Helpers for <see cref="TaskState"/>.</summary>
public static class TaskStates
{
    public static bool IsTerminal(this TaskState state) => state >= TaskState.Succeeded;

    public static bool IsInFlight(this TaskState state) => state is TaskState.Leased or TaskState.Running;

    /// <summary>The status word written to results.jsonl.</summary>
    public static string ToStatus(this TaskState state) => state switch
    {
        TaskState.Succeeded => "succeeded",
        TaskState.Failed => "failed",
        TaskState.TimedOut => "timed_out",
        TaskState.Quarantined => "quarantined",
        _ => "pending",
    };
}

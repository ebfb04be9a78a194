using Grid.Protocol.Messages;

namespace Grid.Tool.Head;

/// <summary>A task's end, committed once: the line results.jsonl gets. A struct: one is made per task, on the head's hot path.</summary>
/// <param name="Body">The output JSON (succeeded) or the error object JSON (otherwise).</param>
public readonly record struct CommittedTask(
    int Index,
    string Id,
    TaskState Status,
    int Attempts,
    string Worker,
    DateTimeOffset Dispatched,
    DateTimeOffset Started,
    DateTimeOffset Ended,
    double RunMilliseconds,
    ReadOnlyMemory<byte> Body);

/// <summary>One failed attempt, final or retried: a line of errors.jsonl.</summary>
public sealed record FailedAttempt(int Index, string Id, int Attempt, TaskState Kind, bool Final, string Worker, DateTimeOffset At, ReadOnlyMemory<byte> Error);

/// <summary>An attempt that ended without ending its task (retried after a failure, or given back by a lost or draining worker): a line of attempts.jsonl.</summary>
/// <param name="Outcome">failed, timed_out, lost (the worker died or was dropped) or withdrawn (the worker drained).</param>
/// <param name="Cause">For lost and withdrawn attempts, how the worker ended (<see cref="WorkerEnds"/>).</param>
public sealed record AttemptRecord(string Id, int Attempt, string Worker, string Outcome, DateTimeOffset Dispatched, DateTimeOffset? Started, DateTimeOffset Ended, string? Cause = null);

/// <summary>A worker's life, written when it ends: a line of workers.jsonl.</summary>
public sealed record WorkerRecord(string Id, string Location, int Slots, DateTimeOffset Launched, DateTimeOffset? Ready, DateTimeOffset Ended, int Completed, string End);

/// <summary>Where the scheduler writes what happened. Called from the scheduler loop only.</summary>
public interface IRunRecorder
{
    /// <summary>Writes the task's one result. Called exactly once per task.</summary>
    void Commit(in CommittedTask task);

    void AttemptFailed(FailedAttempt attempt);

    /// <summary>An attempt that did not end its task.</summary>
    void AttemptEnded(AttemptRecord attempt);

    /// <summary>A worker is gone (or the run ended).</summary>
    void WorkerEnded(WorkerRecord worker);

    /// <summary>Text an attempt wrote.</summary>
    void TaskLog(int index, string id, int attempt, string worker, LogSource source, ReadOnlySpan<byte> text);

    /// <summary>Text about a worker (its own prints, and the head's notes on it).</summary>
    void WorkerLog(string worker, string text);

    /// <summary>A notable event for the progress display (worker lost, task quarantined).</summary>
    void Notice(string message);

    /// <summary>End of a batch of events: make what was written visible.</summary>
    void Flush();
}

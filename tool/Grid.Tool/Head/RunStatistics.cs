namespace Grid.Tool.Head;

/// <summary>Counters the scheduler keeps for progress and the summary. Read from other threads only as a snapshot.</summary>
public sealed class RunStatistics
{
    public int Total { get; init; }

    public int Succeeded { get; set; }

    public int Failed { get; set; }

    public int TimedOut { get; set; }

    public int Quarantined { get; set; }

    public int Completed => Succeeded + Failed + TimedOut + Quarantined;

    /// <summary>Tasks that needed more than one attempt.</summary>
    public int RetriedTasks { get; set; }

    /// <summary>Attempts re-run because the handler failed or timed out (charged to the task).</summary>
    public int ApplicationRetries { get; set; }

    /// <summary>Attempts re-run because their worker was lost, drained or killed (not charged).</summary>
    public int InfrastructureRetries { get; set; }

    /// <summary>Results that arrived for a stale attempt and were discarded.</summary>
    public int FencedResults { get; set; }

    public int WorkersStarted { get; set; }

    public int WorkersLost { get; set; }

    /// <summary>How workers ended, by cause (<see cref="WorkerEnds"/>).</summary>
    public SortedDictionary<string, int> WorkerEnds { get; } = new(StringComparer.Ordinal);

    public int Running { get; set; }

    public int LiveWorkers { get; set; }

    public int Slots { get; set; }

    /// <summary>Sum over every attempt of the handler's run time, as measured by the workers.</summary>
    public long BusyMicroseconds { get; set; }

    /// <summary>Run time of each successful or failed attempt, in milliseconds, for the duration spread.</summary>
    public List<float> DurationsMs { get; } = [];

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset EndedAt { get; set; }

    public TimeSpan Wall => EndedAt - StartedAt;

    /// <summary>The most slots that were ever live at once: the denominator of efficiency.</summary>
    public int PeakSlots { get; set; }

    /// <summary>Tasks an earlier head of this run had already committed (after --resume).</summary>
    public int PreviouslyCommitted { get; set; }

    /// <summary>Set when the run stopped before every task ended.</summary>
    public string? AbortReason { get; set; }
}

namespace Grid.Tool.Head;

/// <summary>The knobs of one run's scheduling. Defaults are documented in tool/README.md.</summary>
public sealed record SchedulerOptions
{
    public static readonly TimeSpan DefaultCancelGrace = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultWorkerStartTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultShutdownGrace = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    public required string RunId { get; init; }

    /// <summary>Workers kept running while tasks remain.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Attempts a task gets when its handler fails or times out (the application budget).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>A task running on this many workers that died is quarantined as poison.</summary>
    public int PoisonThreshold { get; init; } = 3;

    /// <summary>Per-attempt deadline, counted from Started; null for none.</summary>
    public TimeSpan? TaskTimeout { get; init; }

    /// <summary>After the deadline a Cancel is sent; a worker still running the task this much later is killed.</summary>
    public TimeSpan CancelGrace { get; init; } = DefaultCancelGrace;

    public TimeSpan HeartbeatInterval { get; init; } = Grid.Protocol.Protocol.DefaultHeartbeatInterval;

    /// <summary>A worker silent for this long is lost.</summary>
    public TimeSpan Lease { get; init; } = Grid.Protocol.Protocol.DefaultLease;

    /// <summary>A worker that has not said Hello this long after launch is killed.</summary>
    public TimeSpan WorkerStartTimeout { get; init; } = DefaultWorkerStartTimeout;

    /// <summary>
    /// Tasks sent to a worker beyond its slots, so a slot never waits on a round trip. Null (the default) lets the
    /// head choose: max(2 × slots, 16), raised for short tasks to about <see cref="PrefetchHorizon"/> of work per
    /// slot at the run's mean task time, up to <see cref="MaxAutoPrefetch"/> and the worker's share of
    /// <see cref="FleetPrefetchBudget"/>.
    /// </summary>
    public int? Prefetch { get; init; }

    /// <summary>
    /// The work the default prefetch queues per slot when tasks are short: it covers a round trip to a worker in
    /// another machine and the head's own batching, so a worker of short tasks never idles waiting for the next
    /// one, and the head sends (and hears) many tasks per write instead of one.
    /// </summary>
    public static readonly TimeSpan PrefetchHorizon = TimeSpan.FromMilliseconds(10);

    /// <summary>The most the default prefetch rises to, whatever the task time (a worker that dies returns at most this, uncharged).</summary>
    public const int MaxAutoPrefetch = 256;

    /// <summary>
    /// Attempts the default prefetch lets the whole fleet hold beyond its slots: the head keeps state and buffers for
    /// each one in flight, so a thousand workers get about 64 each rather than 256, and the head's memory stays flat
    /// in the size of the fleet.
    /// </summary>
    public const int FleetPrefetchBudget = 64 * 1024;

    /// <summary>Workers in a row that die before saying Hello abort the run (GRID6011).</summary>
    public int MaxConsecutiveStartFailures { get; init; } = 5;

    /// <summary>
    /// The token a worker must present in Hello (workers that dial in over TLS); null when workers are started by the
    /// head over stdio and present none. A wrong token is refused with GRID6009.
    /// </summary>
    public string? RunToken { get; init; }

    /// <summary>How long to wait for workers to exit after Shutdown before killing them.</summary>
    public TimeSpan ShutdownGrace { get; init; } = DefaultShutdownGrace;

    /// <summary>
    /// Tasks in flight on a worker with <paramref name="slots"/> slots, given the run's mean task time so far
    /// (null before any result).
    /// </summary>
    public int CapacityFor(int slots, double? meanRunMicroseconds = null)
    {
        if (Prefetch is { } fixedPrefetch)
        {
            return slots + fixedPrefetch;
        }

        int floor = Math.Max(2 * slots, 16);
        if (meanRunMicroseconds is not { } mean)
        {
            return slots + floor;
        }

        // A task reported as taking no time at all is counted as 1 µs, so the division is finite.
        double byTime = slots * PrefetchHorizon.TotalMicroseconds / Math.Max(mean, 1);
        int cap = Math.Min(MaxAutoPrefetch, FleetPrefetchBudget / Math.Max(1, Workers));
        return slots + Math.Max(floor, (int)Math.Min(cap, byTime));
    }
}

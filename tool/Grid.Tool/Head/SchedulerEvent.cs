using Grid.Protocol;
using Grid.Tool.Backends;

namespace Grid.Tool.Head;

/// <summary>Everything that reaches the scheduler loop comes as one of these, through one channel.</summary>
internal abstract record SchedulerEvent;

/// <summary>The backend started a worker (or failed to).</summary>
internal sealed record WorkerLaunched(WorkerSession Worker, IWorkerHandle? Handle, Exception? Error) : SchedulerEvent;

/// <summary>Frames a worker sent, in order: one read's whole frames, in a pooled buffer the loop hands back.</summary>
internal sealed record WorkerFrames(WorkerSession Worker, FrameBatch Frames) : SchedulerEvent;

/// <summary>A worker's output ended: cleanly, or with a protocol error. <paramref name="Exit"/> says how the process ended.</summary>
internal sealed record WorkerEnded(WorkerSession Worker, ProtocolException? Error, WorkerExit? Exit) : SchedulerEvent;

/// <summary>The clock: timeouts, leases, heartbeats, progress.</summary>
internal sealed record Tick : SchedulerEvent
{
    public static readonly Tick Instance = new();
}

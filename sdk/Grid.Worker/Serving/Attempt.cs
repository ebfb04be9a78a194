using System.Globalization;
using Grid.Logging;
using Grid.Protocol.Messages;

namespace Grid.Serving;

/// <summary>Names one attempt of one task in every frame about it.</summary>
internal readonly record struct AttemptKey(ulong Key, uint Attempt);

/// <summary>Why an attempt's token was cancelled.</summary>
internal enum CancelCause
{
    None,

    /// <summary>The task's own timeout passed, counted by the worker from Started.</summary>
    TimedOut,

    /// <summary>The head sent Cancel with reason Timeout.</summary>
    HeadTimeout,

    /// <summary>The head sent Cancel with reason Withdrawn.</summary>
    HeadWithdrawn,

    /// <summary>The worker is stopping without the head (the head is gone, or broke the protocol).</summary>
    WorkerStopping,
}

/// <summary>
/// One attempt held by this worker, from the Task frame that brought it to the Result that ends it. It is also
/// the log scope of whatever the handler prints while running it.
/// </summary>
internal sealed class Attempt : LogScope, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private ITimer? _timeout;
    private int _cause;

    public Attempt(FrameOutbox outbox, TaskMessage task, string workerId)
        : base(outbox, task.Key, task.Attempt)
    {
        Task = task;
        Context = new TaskContext(task.TaskId, (int)Math.Min(task.Attempt, int.MaxValue), workerId, this, _cancellation.Token);
    }

    public TaskMessage Task { get; }

    public TaskContext Context { get; }

    public AttemptKey Id => new(Key, Attempt);

    public CancelCause Cause => (CancelCause)Volatile.Read(ref _cause);

    public bool IsCancellationRequested => _cancellation.IsCancellationRequested;

    /// <summary>Cancels the handler's token; the first cause is the one reported.</summary>
    public void Cancel(CancelCause cause)
    {
        if (Interlocked.CompareExchange(ref _cause, (int)cause, (int)CancelCause.None) != (int)CancelCause.None)
        {
            return;
        }

        try
        {
            // The token flips now; the handler's callbacks run on the pool, not on the thread reading the head.
            _ = _cancellation.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended while the cancel was on its way: nothing left to stop.
        }
    }

    /// <summary>Starts the task's timeout, if it has one: it counts from Started, as the protocol says.</summary>
    public void StartTimeout(TimeProvider time)
    {
        if (Task.TimeoutMilliseconds > 0)
        {
            _timeout = time.CreateTimer(
                static state => ((Attempt)state!).Cancel(CancelCause.TimedOut),
                this,
                TimeSpan.FromMilliseconds(Task.TimeoutMilliseconds),
                Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The message of a Cancelled result: why the attempt stopped, in words.</summary>
    public string DescribeCancellation() => Cause switch
    {
        CancelCause.TimedOut => string.Create(CultureInfo.InvariantCulture,
            $"The attempt was cancelled: its timeout of {Task.TimeoutMilliseconds} ms passed."),
        CancelCause.HeadTimeout => "The attempt was cancelled by the head: its deadline passed.",
        CancelCause.HeadWithdrawn => "The attempt was cancelled by the head: the task was withdrawn.",
        CancelCause.WorkerStopping => "The attempt was cancelled: the worker is stopping.",
        _ => "The attempt was cancelled.",
    };

    /// <summary>The handler has ended: stops the timeout, sends the partial lines left, deletes the scratch folder.</summary>
    public void Finish()
    {
        _timeout?.Dispose();
        Close();
        Context.DeleteScratchDirectory();
    }

    public void Dispose()
    {
        Finish();
        _cancellation.Dispose();
    }
}

using System.Threading.Channels;
using Grid.Protocol;
using Grid.Protocol.Messages;
using Grid.Tool.Backends;
using Grid.Tool.Tasks;

namespace Grid.Tool.Head;

/// <summary>
/// The head: feeds a run's tasks to workers and commits one result per task.
///
/// Guarantees, and where each is enforced:
/// - At-least-once execution: a task whose worker is lost goes back to Pending (<see cref="Requeue"/>) and runs again.
/// - Exactly-once results: only a result for the task's current (key, attempt) on the worker holding it is
///   accepted (<see cref="OnResult"/>); anything else is fenced and counted. A committed task is terminal.
/// - Two budgets: a handler failure or timeout is charged to the task (MaxAttempts); a lost worker is not,
///   but each death while the task ran counts toward quarantine (PoisonThreshold).
/// - Every wait has a timeout: worker start, heartbeat lease, task deadline plus grace (<see cref="OnTick"/>).
///
/// One loop owns all state: workers' readers and the clock post events to a channel, and the loop handles
/// them in batches, then flushes each worker's queued frames once.
/// </summary>
public sealed partial class Scheduler
{
    private readonly TaskList _tasks;
    private readonly TaskTable _table;
    private readonly IWorkerLauncher _launcher;
    private readonly IRunRecorder _recorder;
    private readonly SchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<SchedulerEvent> _events = Channel.CreateUnbounded<SchedulerEvent>(new UnboundedChannelOptions { SingleReader = true });


    private readonly Queue<int> _pending;
    private readonly Queue<int> _retries = new();
    private readonly List<WorkerSession> _workers = [];
    private readonly List<WorkerSession> _toFlush = [];
    private readonly List<Task> _background = [];
    private readonly long _startTimestamp;
    private int _consecutiveStartFailures;
    private long _dispatches;

    /// <summary>Results whose run time is in <see cref="RunStatistics.BusyMicroseconds"/>: the mean task time that sizes the default prefetch.</summary>
    private long _timedResults;
    private CancellationToken _cancellation;

    /// <param name="resume">What an earlier head of this run committed: those tasks are done and are not run again.</param>
    public Scheduler(TaskList tasks, IWorkerLauncher launcher, IRunRecorder recorder, SchedulerOptions options, TimeProvider? time = null, Output.RunJournal? resume = null)
    {
        _tasks = tasks;
        _table = new TaskTable(tasks.Count);
        _launcher = launcher;
        _recorder = recorder;
        _options = options;
        _time = time ?? TimeProvider.System;
        _startTimestamp = _time.GetTimestamp();
        Statistics = new RunStatistics { Total = tasks.Count, StartedAt = _time.GetUtcNow() };
        if (resume is null)
        {
            _pending = new Queue<int>(Enumerable.Range(0, tasks.Count));
            return;
        }

        // Attempt numbers and the application budget carry on from the earlier head, so attempts never
        // exceed the limit and a late frame from an old worker can never match a new attempt.
        Array.Copy(resume.Attempts, _table.Attempt, tasks.Count);
        Array.Copy(resume.ApplicationFailures, _table.ApplicationFailures, tasks.Count);
        _nextWorkerNumber = resume.LastWorkerNumber;
        _pending = new Queue<int>(tasks.Count - resume.CommittedCount);
        for (int i = 0; i < tasks.Count; i++)
        {
            var state = resume.Committed[i];
            _table.State[i] = state;
            switch (state)
            {
                case TaskState.Pending: _pending.Enqueue(i); break;
                case TaskState.Succeeded: Statistics.Succeeded++; break;
                case TaskState.Failed: Statistics.Failed++; break;
                case TaskState.TimedOut: Statistics.TimedOut++; break;
                case TaskState.Quarantined: Statistics.Quarantined++; break;
            }

            if (_table.Attempt[i] > 1)
            {
                Statistics.RetriedTasks++;
            }
        }

        Statistics.PreviouslyCommitted = resume.CommittedCount;
        Statistics.DurationsMs.AddRange(resume.DurationsMs);
    }

    /// <summary>Live counters; the summary when the run has ended.</summary>
    public RunStatistics Statistics { get; }

    /// <summary>Called on the loop after each batch of events, with the counters (for progress displays).</summary>
    public Action<RunStatistics>? OnProgress { get; set; }

    /// <summary>Runs until every task is terminal, the run is aborted, or <paramref name="cancellationToken"/> fires.</summary>
    public async Task<RunStatistics> RunAsync(CancellationToken cancellationToken = default)
    {
        _cancellation = cancellationToken;
        _eventTime = Now;
        using var ticker = _time.CreateTimer(_ => _events.Writer.TryWrite(Tick.Instance), null, SchedulerOptions.TickInterval, SchedulerOptions.TickInterval);
        for (int i = 0; i < Math.Min(_options.Workers, _tasks.Count - Statistics.Completed); i++)
        {
            StartWorker();
        }

        try
        {
            while (!IsFinished)
            {
                await _events.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
                while (!IsFinished && _events.Reader.TryRead(out var e))
                {
                    _eventTime = Now;
                    Handle(e);
                }

                // The journal first, then the acknowledgements: a worker forgets a result only once it is written.
                // Only the workers this batch touched: a thousand idle ones cost nothing.
                _recorder.Flush();
                long now = Now;
                foreach (var worker in _toFlush)
                {
                    worker.EndBatch(now);
                }

                _toFlush.Clear();

                OnProgress?.Invoke(Statistics);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Statistics.AbortReason ??= "interrupted";
        }
        finally
        {
            Statistics.EndedAt = _time.GetUtcNow();

            // Written before the workers are told to stop, with their last acknowledgements.
            _recorder.Flush();
            await StopWorkersAsync().ConfigureAwait(false);
            _recorder.Flush();
        }

        return Statistics;
    }

    private bool IsFinished => Statistics.Completed == _tasks.Count || Statistics.AbortReason is not null;

    private long Now => _time.GetTimestamp();

    /// <summary>
    /// The clock as the loop took up the event it is handling: the time the frames of one read from a worker (tens
    /// or hundreds of them at a time) are noted at, Started and Result alike, and the tasks sent in answer. One
    /// read of the clock per event instead of several per task.
    /// </summary>
    private long _eventTime;

    private DateTimeOffset WallClock(long timestamp) => Statistics.StartedAt + _time.GetElapsedTime(_startTimestamp, timestamp);

    private void Handle(SchedulerEvent e)
    {
        switch (e)
        {
            case WorkerFrames m:
                OnFrames(m.Worker, m.Frames);
                break;
            case WorkerEnded ended:
                OnWorkerEnded(ended.Worker, ended.Error, ended.Exit);
                break;
            case WorkerLaunched launched:
                OnWorkerLaunched(launched.Worker, launched.Handle, launched.Error);
                break;
            case Tick:
                OnTick();
                break;
        }
    }

    /// <summary>
    /// One read's frames from a worker, in order. Started and Result, nearly all of them, are read in place from the
    /// batch's pooled buffer (a result's body is written to the journal before the buffer goes back); the rest are
    /// decoded into messages. A payload that breaks the protocol drops the worker, as a bad header does in its reader.
    /// </summary>
    private void OnFrames(WorkerSession worker, FrameBatch frames)
    {
        using var _ = frames;
        if (worker.Status == WorkerStatus.Closed)
        {
            // Frames that were in the pipe when the worker was dropped: its attempts were already requeued.
            foreach (var frame in frames)
            {
                Statistics.FencedResults += frame.Kind == FrameKind.Result ? 1 : 0;
            }

            return;
        }

        worker.LastHeard = _eventTime;
        try
        {
            foreach (var frame in frames)
            {
                if (worker.Status == WorkerStatus.Closed)
                {
                    return;
                }

                switch (frame.Kind)
                {
                    case FrameKind.Result:
                        OnResult(worker, Result.ReadFields(frame.Payload));
                        break;
                    case FrameKind.Started:
                        var (key, attempt) = Started.ReadFields(frame.Payload.Span);
                        OnStarted(worker, key, attempt);
                        break;
                    default:
                        OnMessage(worker, FrameDecoder.Decode(frame.Kind, frame.Payload.Span));
                        break;
                }
            }
        }
        catch (ProtocolException e)
        {
            DropForProtocolError(worker, e);
        }
    }

    private void OnMessage(WorkerSession worker, IMessage message)
    {
        switch (message)
        {
            case Log log:
                OnLog(worker, log);
                break;
            case Heartbeat:
                break;
            case Hello hello:
                OnHello(worker, hello);
                break;
            case Drain drain:
                OnDrain(worker, drain);
                break;
            case Goodbye goodbye:
                _recorder.WorkerLog(worker.Id, $"said goodbye: {goodbye.Code}: {goodbye.Message}");
                break;
            default:
                DropForProtocolError(worker, new ProtocolException(ProtocolErrors.Unexpected, $"a worker may not send {message.Kind} frames."));
                break;
        }
    }

    private void OnStarted(WorkerSession worker, ulong key, uint attempt)
    {
        if (!TryTaskOf(worker, key, out int index))
        {
            return;
        }

        if (_table.State[index] == TaskState.Leased && _table.Attempt[index] == attempt && _table.Worker[index] == worker.Index)
        {
            NoteStart(worker, index);
            _table.State[index] = TaskState.Running;
            _table.StartedAt[index] = _eventTime;
            Statistics.Running++;
        }
    }

    private void OnResult(WorkerSession worker, in ResultFields result)
    {
        if (!TryTaskOf(worker, result.Key, out int index))
        {
            return;
        }

        // Every result is acknowledged, fenced or not, so the worker stops re-sending it.
        worker.Acknowledge(result.Key, result.Attempt);

        // Exactly-once: only the current attempt, on the worker that holds it, may end the task. Anything
        // else is a late or duplicate result of an attempt already given up on.
        if (!_table.State[index].IsInFlight() || _table.Attempt[index] != result.Attempt || _table.Worker[index] != worker.Index)
        {
            Statistics.FencedResults++;
            return;
        }

        long now = _eventTime;
        if (_table.State[index] == TaskState.Leased)
        {
            NoteStart(worker, index);

            // A worker may legally skip Started for a task it finished at once.
            _table.StartedAt[index] = now - (long)(result.RunMicroseconds * (_time.TimestampFrequency / 1e6));
        }

        worker.InFlight.Remove(index);
        worker.Completed++;
        _timedResults++;
        Statistics.BusyMicroseconds += (long)result.RunMicroseconds;
        Statistics.DurationsMs.Add(result.RunMicroseconds / 1000f);
        switch (result.Outcome)
        {
            case Outcome.Succeeded:
                Commit(index, TaskState.Succeeded, worker, result.RunMicroseconds / 1000.0, result.Body, now);
                break;
            case Outcome.Failed:
                ChargeApplicationFailure(index, worker, TaskState.Failed, result.Body, result.RunMicroseconds / 1000.0, now);
                break;
            case Outcome.Cancelled when !PastDeadline(result.RunMicroseconds):
                // Not a timeout: the worker gave the attempt up on its own (it is going away). Not the task's fault.
                Statistics.InfrastructureRetries++;
                Requeue(index, "withdrawn", worker, worker.Status == WorkerStatus.Draining ? WorkerEnds.Drained : WorkerEnds.Disconnected);
                break;
            default:
                // The worker cancels at the deadline itself; either way the attempt timed out.
                ChargeApplicationFailure(index, worker, TaskState.TimedOut, TimeoutError(index), result.RunMicroseconds / 1000.0, now);
                break;
        }

        // Topped up at its low-water mark rather than one task per result: with half its prefetch still queued no
        // slot waits, and the tasks go out (and come back) many to a write.
        if (worker.InFlight.Count <= worker.Slots + ((worker.Capacity - worker.Slots) / 2))
        {
            Fill(worker);
        }
    }

    private void OnLog(WorkerSession worker, Log log)
    {
        if (log.Key == 0)
        {
            _recorder.WorkerLog(worker.Id, System.Text.Encoding.UTF8.GetString(log.Text.Span));
            return;
        }

        if (TryTaskOf(worker, log.Key, out int index))
        {
            _recorder.TaskLog(index, _tasks.IdOf(index), (int)log.Attempt, worker.Id, log.Source, log.Text.Span);
        }
    }

    /// <summary>Maps a wire key to a task number; a key that names no task is a protocol error.</summary>
    private bool TryTaskOf(WorkerSession worker, ulong key, out int index)
    {
        if (key == 0 || key > (ulong)_tasks.Count)
        {
            DropForProtocolError(worker, new ProtocolException(ProtocolErrors.Malformed, $"the worker named task key {key}, but the run's keys are 1 to {_tasks.Count}."));
            index = -1;
            return false;
        }

        index = (int)(key - 1);
        return true;
    }

    /// <summary>Sends tasks to a worker until it holds its capacity. Retries go first, so failures surface early.</summary>
    private void Fill(WorkerSession worker)
    {
        if (worker.Status != WorkerStatus.Ready)
        {
            return;
        }

        long now = _eventTime;
        uint timeout = _options.TaskTimeout is { } t ? (uint)Math.Min(uint.MaxValue, t.TotalMilliseconds) : 0;
        Span<byte> idScratch = stackalloc byte[16];
        while (worker.InFlight.Count < worker.Capacity && (_retries.TryDequeue(out int index) || _pending.TryDequeue(out index)))
        {
            ushort attempt = ++_table.Attempt[index];
            _table.State[index] = TaskState.Leased;
            _table.Worker[index] = worker.Index;
            _table.DispatchedAt[index] = now;
            _table.DispatchOrder[index] = ++_dispatches;
            _table.StartedAt[index] = 0;
            _table.CancelSent[index] = false;
            worker.InFlight.Add(index);
            worker.SentOrder.Enqueue((index, attempt));
            worker.SendTask((ulong)index + 1, attempt, timeout, _tasks.IdUtf8Of(index, idScratch), _tasks.InputOf(index).Span, now);
        }
    }

    /// <summary>
    /// At-least-once: an attempt that can no longer produce a result returns its task to Pending, with the next
    /// attempt number; a late result of the old attempt will be fenced.
    /// </summary>
    private void Requeue(int index, string outcome, WorkerSession worker, string? cause = null)
    {
        long now = Now;
        bool started = _table.StartedAt[index] != 0;
        _recorder.AttemptEnded(new AttemptRecord(
            _tasks.IdOf(index), _table.Attempt[index], worker.Id, outcome, WallClock(_table.DispatchedAt[index]),
            started ? WallClock(_table.StartedAt[index]) : null, WallClock(now), cause));
        if (_table.State[index] == TaskState.Running)
        {
            Statistics.Running--;
        }

        _table.State[index] = TaskState.Pending;
        _table.Worker[index] = -1;
        if (_table.Attempt[index] == 1)
        {
            Statistics.RetriedTasks++;
        }

        // A handler failure is retried first, so failures surface early. An attempt lost with its worker goes
        // to the back: a replacement worker does not start with the task that was running when its
        // predecessor died (if that task is the killer it would take each new worker down first thing; if it
        // is not, it would be the one always in harm's way, and be quarantined for bad luck).
        if (cause is null)
        {
            _retries.Enqueue(index);
        }
        else
        {
            _pending.Enqueue(index);
        }
    }

    /// <summary>
    /// A worker starts the attempts it holds in the order they were sent. Those sent before <paramref name="index"/>
    /// that have not started were lost on the way (a transport that drops a frame and keeps the connection), or
    /// are a moment behind on another slot: they are noted, and withdrawn and sent elsewhere if they have still not
    /// started a little later (<see cref="CheckSkipped"/>). Amortized O(1): each sent attempt is dequeued once.
    /// </summary>
    private void NoteStart(WorkerSession worker, int index)
    {
        if (worker.Skipped is { } skipped && skipped.Remove(index))
        {
            return;
        }

        while (worker.SentOrder.TryDequeue(out var sent) && sent.Index != index)
        {
            if (_table.State[sent.Index] == TaskState.Leased && _table.Attempt[sent.Index] == sent.Attempt && _table.Worker[sent.Index] == worker.Index)
            {
                (worker.Skipped ??= [])[sent.Index] = (sent.Attempt, Now);
            }
        }
    }

    /// <summary>Whether an attempt that ran this long reached its deadline (the worker's clock may be a little ahead).</summary>
    private bool PastDeadline(double runMicroseconds) =>
        _options.TaskTimeout is { } timeout && runMicroseconds >= timeout.TotalMicroseconds * 0.95;

    private void ChargeApplicationFailure(int index, WorkerSession worker, TaskState kind, ReadOnlyMemory<byte> error, double runMs, long now)
    {
        int failures = ++_table.ApplicationFailures[index];
        bool final = failures >= _options.MaxAttempts;
        _recorder.AttemptFailed(new FailedAttempt(index, _tasks.IdOf(index), _table.Attempt[index], kind, final, worker.Id, WallClock(now), error));
        if (final)
        {
            Commit(index, kind, worker, runMs, error, now);
        }
        else
        {
            Statistics.ApplicationRetries++;
            Requeue(index, kind.ToStatus(), worker);
        }
    }

    private void Commit(int index, TaskState status, WorkerSession? worker, double runMs, ReadOnlyMemory<byte> body, long now)
    {
        if (_table.State[index] == TaskState.Running)
        {
            Statistics.Running--;
        }

        _table.State[index] = status;
        _table.Worker[index] = -1;
        switch (status)
        {
            case TaskState.Succeeded: Statistics.Succeeded++; break;
            case TaskState.Failed: Statistics.Failed++; break;
            case TaskState.TimedOut: Statistics.TimedOut++; break;
            case TaskState.Quarantined: Statistics.Quarantined++; break;
        }

        long started = _table.StartedAt[index] != 0 ? _table.StartedAt[index] : _table.DispatchedAt[index];
        _recorder.Commit(new CommittedTask(index, _tasks.IdOf(index), status, _table.Attempt[index], worker?.Id ?? "", WallClock(_table.DispatchedAt[index]), WallClock(started), WallClock(now), runMs, body));
    }

    private ReadOnlyMemory<byte> TimeoutError(int index) => ErrorBody(
        Diagnostics.ErrorCodes.TaskTimedOut,
        $"task '{_tasks.IdOf(index)}' ran past its timeout of {_options.TaskTimeout?.TotalSeconds:0.###} s; it was cancelled. Raise --timeout or make the handler observe context.CancellationToken.");

    internal static ReadOnlyMemory<byte> ErrorBody(string code, string message)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "Grid." + code);
            json.WriteString("code", code);
            json.WriteString("message", message);
            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}

using Grid.Protocol;
using Grid.Protocol.Messages;
using Grid.Tool.Backends;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Head;

/// <summary>Worker lifecycle: launch, handshake, drain, loss and replacement.</summary>
public sealed partial class Scheduler
{
    private int _nextWorkerNumber;
    private int _consecutiveStartKills;

    private int LiveWorkers => _workers.Count(w => w.Status != WorkerStatus.Closed);

    private bool HasUnfinishedWork => Statistics.Completed < _tasks.Count;

    private void StartWorker()
    {
        var worker = new WorkerSession(_workers.Count, $"w{++_nextWorkerNumber}", Now, _toFlush);
        _workers.Add(worker);
        Statistics.WorkersStarted++;
        _background.Add(Task.Run(async () =>
        {
            try
            {
                var handle = await _launcher.LaunchAsync(worker.Id, _cancellation).ConfigureAwait(false);
                _events.Writer.TryWrite(new WorkerLaunched(worker, handle, null));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _events.Writer.TryWrite(new WorkerLaunched(worker, null, e));
            }
        }));
    }

    private void OnWorkerLaunched(WorkerSession worker, IWorkerHandle? handle, Exception? error)
    {
        if (handle is null)
        {
            _recorder.WorkerLog(worker.Id, $"could not be started: {error?.Message}");
            worker.Status = WorkerStatus.Closed;
            RecordWorkerEnd(worker, $"could not be started: {error?.Message}");
            CountStartFailure(worker, error?.Message ?? "the backend could not start it");
            return;
        }

        worker.Handle = handle;
        if (IsFinished || worker.Status == WorkerStatus.Closed)
        {
            handle.Kill();
            _background.Add(handle.DisposeAsync().AsTask());
            return;
        }

        worker.Status = WorkerStatus.AwaitingHello;
        worker.LastHeard = Now;
        // No log line for a normal start: workers.jsonl records it, and a thousand workers need no thousand files.
        _background.Add(worker.PumpAsync(handle.Input));
        _background.Add(ReadLoopAsync(worker, handle));
    }

    /// <summary>Cuts a worker's frames and posts them a read at a time; reports how its output ended and how it exited.</summary>
    private async Task ReadLoopAsync(WorkerSession worker, IWorkerHandle handle)
    {
        // A local process's or container client's stdout is a pipe: a larger one carries a large result in one piece.
        PipeCapacity.TryGrow(handle.Output);
        var reader = new FrameReader(handle.Output, handle.ReadBufferBytes);
        ProtocolException? error = null;
        try
        {
            while (await reader.ReadFramesAsync().ConfigureAwait(false) is { } frames)
            {
                if (!_events.Writer.TryWrite(new WorkerFrames(worker, frames)))
                {
                    frames.Dispose();
                }
            }
        }
        catch (ProtocolException e)
        {
            error = e;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The stream broke under us: the same as its end.
        }

        await reader.CompleteAsync().ConfigureAwait(false);
        if (error is not null)
        {
            handle.Kill();
        }

        // The output ended; the process follows within moments, or is made to.
        WorkerExit? exit;
        try
        {
            exit = await handle.Exited.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            handle.Kill();
            exit = await handle.Exited.ConfigureAwait(false);
        }

        _events.Writer.TryWrite(new WorkerEnded(worker, error, exit));
    }

    private void OnHello(WorkerSession worker, Hello hello)
    {
        if (worker.Status != WorkerStatus.AwaitingHello)
        {
            DropForProtocolError(worker, new ProtocolException(ProtocolErrors.Unexpected, "the worker sent Hello twice."));
            return;
        }

        if (hello.MinVersion > Protocol.Protocol.Version || hello.MaxVersion < Protocol.Protocol.Version)
        {
            var error = new ProtocolException(ProtocolErrors.Version,
                $"the worker speaks protocol versions {hello.MinVersion}–{hello.MaxVersion}; this head speaks {Protocol.Protocol.Version}. Rebuild the job against the Grid.Sdk version of this tool.");
            worker.Send(new Goodbye(error.Code, error.Message), Now);
            DropForProtocolError(worker, error);
            return;
        }

        if (_options.RunToken is { } token && !RunCredentials.TokenMatches(token, hello.Token))
        {
            // Not one of the run's workers: refused, and not counted as a worker that failed to start, so a stray
            // connection can never abort the run.
            var error = new ProtocolException(ProtocolErrors.BadToken, "the worker presented a wrong run token: it is not one of this run's workers.");
            worker.Send(new Goodbye(error.Code, error.Message), Now);
            DropForProtocolError(worker, error);
            return;
        }

        worker.Slots = hello.Slots;
        worker.ReadyAt = Now;
        worker.Capacity = _options.CapacityFor(hello.Slots);
        worker.Status = WorkerStatus.Ready;
        _consecutiveStartFailures = 0;
        _consecutiveStartKills = 0;
        CountLiveWorkers();
        worker.Send(new Welcome(Protocol.Protocol.Version, (uint)_options.HeartbeatInterval.TotalMilliseconds, (uint)_options.Lease.TotalMilliseconds, _options.RunId, worker.Id), Now);
        Fill(worker);
    }

    /// <summary>A worker that is going away gives back everything it holds, uncharged, and gets no more.</summary>
    private void OnDrain(WorkerSession worker, Drain drain)
    {
        if (worker.Status != WorkerStatus.Ready)
        {
            return;
        }

        worker.Status = WorkerStatus.Draining;
        _recorder.Notice($"{worker.Id} is draining ({drain.Reason}, {drain.DeadlineMilliseconds / 1000.0:0.#} s left): its {worker.InFlight.Count} task(s) are requeued");
        foreach (int index in worker.InFlight)
        {
            worker.Send(new Cancel((ulong)index + 1, _table.Attempt[index], CancelReason.Withdrawn), Now);
            Statistics.InfrastructureRetries++;
            Requeue(index, "withdrawn", worker, WorkerEnds.Drained);
        }

        worker.InFlight.Clear();
        worker.Send(Shutdown.Instance, Now);
        ReplaceIfNeeded();
        foreach (var other in _workers)
        {
            Fill(other);
        }
    }

    private void DropForProtocolError(WorkerSession worker, ProtocolException error)
    {
        _recorder.Notice($"{worker.Id} broke the protocol and was dropped: {error.Message}");
        _recorder.WorkerLog(worker.Id, $"{ErrorCodes.WorkerProtocolError}: dropped for a protocol error: {error.Message}");
        worker.KilledBecause = error.Message;
        worker.Handle?.Kill();
        CloseWorker(worker, blameRunningTasks: false, exit: null, WorkerEnds.ProtocolError);
    }

    private void OnWorkerEnded(WorkerSession worker, ProtocolException? error, WorkerExit? exit)
    {
        if (worker.Status == WorkerStatus.Closed)
        {
            return;
        }

        if (error is not null)
        {
            DropForProtocolError(worker, error);
            return;
        }

        bool expected = worker.KilledBecause is not null || (worker.Status == WorkerStatus.Draining && worker.InFlight.Count == 0) || !HasUnfinishedWork;
        bool neverReady = worker.Status == WorkerStatus.AwaitingHello;
        if (!expected)
        {
            string how = exit?.Description ?? "its output ended";
            _recorder.Notice($"{worker.Id} was lost ({how}) with {worker.InFlight.Count} task(s) in flight");
            _recorder.WorkerLog(worker.Id, $"{ErrorCodes.WorkerExited}: lost: {how}");
        }

        CloseWorker(worker, blameRunningTasks: !expected || worker.LeaseExpired, exit, WorkerEnds.Classify(exit, worker.KilledBecause is not null, worker.Status == WorkerStatus.Draining, HasUnfinishedWork));
        if (neverReady && worker.KilledBecause is null)
        {
            CountStartFailure(worker, exit?.Description ?? "its output ended before Hello", killed: exit?.WasKilled ?? false);
        }
    }

    /// <summary>
    /// Gives back a gone worker's attempts. Tasks that were running when it died unexpectedly are suspects: at
    /// PoisonThreshold deaths a task is quarantined instead of being allowed to take down more workers.
    /// </summary>
    private void CloseWorker(WorkerSession worker, bool blameRunningTasks, WorkerExit? exit, string cause)
    {
        if (worker.Status is WorkerStatus.Ready or WorkerStatus.Draining or WorkerStatus.AwaitingHello)
        {
            Statistics.WorkerEnds[cause] = Statistics.WorkerEnds.GetValueOrDefault(cause) + 1;
        }

        bool wasLive = worker.Status is WorkerStatus.Ready or WorkerStatus.Draining;
        worker.Status = WorkerStatus.Closed;
        if (wasLive)
        {
            // A worker that drained gave its tasks back before it went: it is not lost.
            Statistics.WorkersLost += HasUnfinishedWork && cause != WorkerEnds.Drained ? 1 : 0;
            CountLiveWorkers();
        }

        long now = Now;
        var suspects = blameRunningTasks ? Suspects(worker) : [];
        foreach (int index in worker.InFlight)
        {
            if (suspects.Contains(index) && ++_table.WorkerDeaths[index] >= _options.PoisonThreshold)
            {
                string message = $"task '{_tasks.IdOf(index)}' was running on {_table.WorkerDeaths[index]} workers that died (last: {exit?.Description ?? "lost"}); it is quarantined so it cannot take down more.";
                var error = ErrorBody(ErrorCodes.TaskQuarantined, message);
                _recorder.Notice(message);
                _recorder.AttemptFailed(new FailedAttempt(index, _tasks.IdOf(index), _table.Attempt[index], TaskState.Quarantined, true, worker.Id, WallClock(now), error));
                Commit(index, TaskState.Quarantined, worker, 0, error, now);
            }
            else
            {
                Statistics.InfrastructureRetries++;
                Requeue(index, "lost", worker, cause);
            }
        }

        worker.InFlight.Clear();
        worker.CloseOutbound();
        RecordWorkerEnd(worker, $"{cause}: {worker.KilledBecause ?? exit?.Description ?? (HasUnfinishedWork ? "lost" : "finished")}");
        if (worker.Handle is { } handle)
        {
            _background.Add(handle.DisposeAsync().AsTask());
        }

        ReplaceIfNeeded();
        foreach (var other in _workers)
        {
            Fill(other);
        }
    }

    /// <summary>
    /// The attempts a worker was executing when it died. Those that reported Started, and — because a worker
    /// starts its tasks in dispatch order and one that dies at once may never flush its Started — the
    /// earliest-dispatched of the rest, up to its slot count.
    /// </summary>
    private HashSet<int> Suspects(WorkerSession worker)
    {
        var suspects = worker.InFlight.Where(i => _table.State[i] == TaskState.Running).ToHashSet();
        foreach (int index in worker.InFlight.Where(i => _table.State[i] == TaskState.Leased).OrderBy(i => _table.DispatchOrder[i]))
        {
            if (suspects.Count >= Math.Max(1, worker.Slots))
            {
                break;
            }

            suspects.Add(index);
        }

        return suspects;
    }

    /// <summary>Workers that hold or take tasks (welcomed, not yet gone), and their slots: for progress and efficiency.</summary>
    private void CountLiveWorkers()
    {
        var live = _workers.Where(w => w.Status is WorkerStatus.Ready or WorkerStatus.Draining).ToList();
        Statistics.LiveWorkers = live.Count;
        Statistics.Slots = live.Sum(w => w.Slots);
        Statistics.PeakSlots = Math.Max(Statistics.PeakSlots, Statistics.Slots);
    }

    private void RecordWorkerEnd(WorkerSession worker, string end) =>
        _recorder.WorkerEnded(new WorkerRecord(
            worker.Id, worker.Handle?.Location ?? "", worker.Slots, WallClock(worker.LaunchedAt),
            worker.ReadyAt == 0 ? null : WallClock(worker.ReadyAt), WallClock(Now), worker.Completed, end));

    /// <summary>Keeps the pool at its size while tasks remain.</summary>
    private void ReplaceIfNeeded()
    {
        int unfinished = _tasks.Count - Statistics.Completed;
        int wanted = Math.Min(_options.Workers, unfinished);
        int live = _workers.Count(w => w.Status is WorkerStatus.Launching or WorkerStatus.AwaitingHello or WorkerStatus.Ready);
        for (int i = live; i < wanted && Statistics.AbortReason is null && !_cancellation.IsCancellationRequested; i++)
        {
            StartWorker();
        }
    }

    /// <summary>
    /// A job that fails at start-up makes every worker exit before its handshake: after a few in a row the run is
    /// aborted rather than restarting workers forever. A worker SIGKILLed while starting says nothing about the
    /// job (an operator, a chaos test, a reclaimed machine), so such deaths have a far larger allowance.
    /// </summary>
    private void CountStartFailure(WorkerSession worker, string why, bool killed = false)
    {
        bool abort = killed
            ? ++_consecutiveStartKills >= _options.MaxConsecutiveStartFailures * 10
            : ++_consecutiveStartFailures >= _options.MaxConsecutiveStartFailures;
        if (abort)
        {
            Statistics.AbortReason = $"{ErrorCodes.WorkersCannotStart}: {(killed ? _consecutiveStartKills : _consecutiveStartFailures)} workers in a row ended before they were ready (last: {worker.Id}, {why}). The job fails at start-up: run it by hand with --input to see why; its stderr is in the run's logs/workers/.";
            return;
        }

        ReplaceIfNeeded();
    }

    /// <summary>Tells every worker to finish, waits a little for them to exit, then kills the rest.</summary>
    private async Task StopWorkersAsync()
    {
        foreach (var worker in _workers.Where(w => w.Status != WorkerStatus.Closed && w.Handle is not null))
        {
            RecordWorkerEnd(worker, Statistics.AbortReason is null ? "finished" : "stopped: the run was aborted");
            if (worker.Status is WorkerStatus.Ready or WorkerStatus.Draining)
            {
                // Its last results are in the journal: it may forget them and exit at once.
                worker.SendAcks(Now);
                worker.Send(Shutdown.Instance, Now);
            }

            worker.CloseOutbound();
        }

        var exits = _workers.Where(w => w.Handle is not null).Select(w => w.Handle!.Exited).ToArray();
        try
        {
            await Task.WhenAll(exits).WaitAsync(_options.ShutdownGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        foreach (var worker in _workers)
        {
            worker.Handle?.Kill();
        }

        try
        {
            await Task.WhenAll(_background).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        foreach (var worker in _workers)
        {
            if (worker.Handle is { } handle)
            {
                await handle.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}

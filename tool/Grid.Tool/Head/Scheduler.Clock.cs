using Grid.Protocol.Messages;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Head;

/// <summary>The clock's work: heartbeats out, leases in, worker start deadlines, task deadlines.</summary>
public sealed partial class Scheduler
{
    private void OnTick()
    {
        long now = Now;
        double? meanRun = _timedResults > 0 ? (double)Statistics.BusyMicroseconds / _timedResults : null;
        foreach (var worker in _workers.ToArray())
        {
            switch (worker.Status)
            {
                case WorkerStatus.AwaitingHello when _time.GetElapsedTime(worker.LaunchedAt, now) > _options.WorkerStartTimeout:
                    KillWorker(worker, $"it did not say Hello within {_options.WorkerStartTimeout.TotalSeconds:0} s of starting");
                    CountStartFailure(worker, "no Hello in time");
                    break;
                case WorkerStatus.Ready or WorkerStatus.Draining:
                    // Acknowledgements held back for want of other frames to go with go now: at most a tick late.
                    worker.SendAcks(now);
                    CheckWorker(worker, now);
                    if (worker.Status == WorkerStatus.Ready)
                    {
                        CheckSkipped(worker, now);
                        Resize(worker, meanRun);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// The default prefetch follows the run's mean task time (<see cref="SchedulerOptions.CapacityFor"/>): a worker
    /// whose capacity grew is topped up at once; one whose capacity shrank gets no more until it is under it.
    /// </summary>
    private void Resize(WorkerSession worker, double? meanRun)
    {
        int capacity = _options.CapacityFor(worker.Slots, meanRun);
        if (capacity != worker.Capacity)
        {
            worker.Capacity = capacity;
            Fill(worker);
        }
    }

    /// <summary>How long an attempt passed over by its worker may stay unstarted before it counts as lost on the way.</summary>
    public static readonly TimeSpan SkippedGrace = TimeSpan.FromSeconds(2);

    /// <summary>Attempts a worker passed over and still has not started are withdrawn and sent elsewhere, uncharged.</summary>
    private void CheckSkipped(WorkerSession worker, long now)
    {
        NoteOldestIfSlotFree(worker, now);
        if (worker.Skipped is not { Count: > 0 } skipped)
        {
            return;
        }

        foreach (var (index, (attempt, since)) in skipped.ToArray())
        {
            bool waiting = _table.State[index] == TaskState.Leased && _table.Attempt[index] == attempt && _table.Worker[index] == worker.Index;
            if (waiting && _time.GetElapsedTime(since, now) < SkippedGrace)
            {
                continue;
            }

            skipped.Remove(index);
            if (waiting)
            {
                worker.InFlight.Remove(index);
                worker.Send(new Cancel((ulong)index + 1, attempt, CancelReason.Withdrawn), now);
                Statistics.InfrastructureRetries++;
                Requeue(index, "withdrawn", worker, WorkerEnds.LostInTransit);
            }
        }

        Fill(worker);
    }

    /// <summary>
    /// The oldest attempt sent and not started, on a worker with a free slot for longer than the grace: a worker
    /// starts what it holds as soon as a slot is free, so this one never arrived (the last one sent has no later
    /// one to show it up).
    /// </summary>
    private void NoteOldestIfSlotFree(WorkerSession worker, long now)
    {
        var order = worker.SentOrder;
        while (order.TryPeek(out var first) && !(_table.State[first.Index] == TaskState.Leased && _table.Attempt[first.Index] == first.Attempt && _table.Worker[first.Index] == worker.Index))
        {
            order.Dequeue();
        }

        // A worker busy with long tasks keeps an old one waiting on purpose: its slots are counted once per grace, not every tick.
        if (!order.TryPeek(out var oldest) || now < worker.NextFreeSlotCheck || _time.GetElapsedTime(_table.DispatchedAt[oldest.Index], now) <= SkippedGrace)
        {
            return;
        }

        long grace = (long)(SkippedGrace.TotalSeconds * _time.TimestampFrequency);
        worker.NextFreeSlotCheck = now + grace;
        int running = 0;
        foreach (int index in worker.InFlight)
        {
            running += _table.State[index] == TaskState.Running ? 1 : 0;
        }

        if (running < worker.Slots)
        {
            order.Dequeue();
            (worker.Skipped ??= [])[oldest.Index] = (oldest.Attempt, now - grace);
        }
    }

    private void CheckWorker(WorkerSession worker, long now)
    {
        // Lease: a worker silent for a whole lease is lost, even if its process lives (hung, or cut off).
        if (_time.GetElapsedTime(worker.LastHeard, now) > _options.Lease)
        {
            _recorder.Notice($"{worker.Id} was silent for {_options.Lease.TotalSeconds:0} s ({ErrorCodes.WorkerLost}); its tasks are requeued");
            worker.LeaseExpired = true;
            KillWorker(worker, $"{ErrorCodes.WorkerLost}: no frame for {_options.Lease.TotalSeconds:0} s");
            CloseWorker(worker, blameRunningTasks: true, exit: null, WorkerEnds.LeaseExpired);
            return;
        }

        if (_time.GetElapsedTime(worker.LastSent, now) >= _options.HeartbeatInterval)
        {
            worker.Send(Heartbeat.Instance, now);
        }

        if (_options.TaskTimeout is not { } timeout)
        {
            return;
        }

        // No copy of the set: the one change to it below ends the walk.
        foreach (int index in worker.InFlight)
        {
            if (_table.State[index] != TaskState.Running)
            {
                continue;
            }

            var elapsed = _time.GetElapsedTime(_table.StartedAt[index], now);
            if (elapsed >= timeout + _options.CancelGrace)
            {
                KillForIgnoredCancel(worker, index, elapsed, now);
                return;
            }

            if (elapsed >= timeout && !_table.CancelSent[index])
            {
                _table.CancelSent[index] = true;
                worker.Send(new Cancel((ulong)index + 1, _table.Attempt[index], CancelReason.Timeout), now);
            }
        }
    }

    /// <summary>
    /// The handler ignored its cancellation: only killing the worker frees the slot. Its other tasks are not to
    /// blame and go back uncharged.
    /// </summary>
    private void KillForIgnoredCancel(WorkerSession worker, int index, TimeSpan elapsed, long now)
    {
        _recorder.Notice($"task '{_tasks.IdOf(index)}' ignored cancellation for {_options.CancelGrace.TotalSeconds:0.#} s after its timeout: {worker.Id} is killed");
        worker.InFlight.Remove(index);
        ChargeApplicationFailure(index, worker, TaskState.TimedOut, TimeoutError(index), elapsed.TotalMilliseconds, now);
        KillWorker(worker, $"task '{_tasks.IdOf(index)}' did not stop within the grace period after its timeout");
        CloseWorker(worker, blameRunningTasks: false, exit: null, WorkerEnds.KilledByHead);
    }

    private void KillWorker(WorkerSession worker, string reason)
    {
        worker.KilledBecause = reason;
        _recorder.WorkerLog(worker.Id, $"killed by the head: {reason}");
        worker.Handle?.Kill();
    }
}

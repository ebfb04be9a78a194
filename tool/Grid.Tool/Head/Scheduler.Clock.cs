using Grid.Protocol.Messages;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Head;

/// <summary>The clock's work: heartbeats out, leases in, worker start deadlines, task deadlines.</summary>
public sealed partial class Scheduler
{
    private void OnTick()
    {
        long now = Now;
        foreach (var worker in _workers.ToArray())
        {
            switch (worker.Status)
            {
                case WorkerStatus.AwaitingHello when _time.GetElapsedTime(worker.LaunchedAt, now) > _options.WorkerStartTimeout:
                    KillWorker(worker, $"it did not say Hello within {_options.WorkerStartTimeout.TotalSeconds:0} s of starting");
                    CountStartFailure(worker, "no Hello in time");
                    break;
                case WorkerStatus.Ready or WorkerStatus.Draining:
                    CheckWorker(worker, now);
                    break;
            }
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

        foreach (int index in worker.InFlight.ToArray())
        {
            if (_table.State[index] != TaskState.Running)
            {
                continue;
            }

            var elapsed = _time.GetElapsedTime(_table.StartedAt[index], now);
            if (elapsed >= timeout + _options.CancelGrace)
            {
                // The handler ignored its cancellation: only killing the worker frees the slot. Its other
                // tasks are not to blame and go back uncharged.
                _recorder.Notice($"task '{_tasks.IdOf(index)}' ignored cancellation for {_options.CancelGrace.TotalSeconds:0.#} s after its timeout: {worker.Id} is killed");
                worker.InFlight.Remove(index);
                ChargeApplicationFailure(index, worker, TaskState.TimedOut, TimeoutError(index), elapsed.TotalMilliseconds, now);
                KillWorker(worker, $"task '{_tasks.IdOf(index)}' did not stop within the grace period after its timeout");
                CloseWorker(worker, blameRunningTasks: false, exit: null, WorkerEnds.KilledByHead);
                return;
            }

            if (elapsed >= timeout && !_table.CancelSent[index])
            {
                _table.CancelSent[index] = true;
                worker.Send(new Cancel((ulong)index + 1, _table.Attempt[index], CancelReason.Timeout), now);
            }
        }
    }

    private void KillWorker(WorkerSession worker, string reason)
    {
        worker.KilledBecause = reason;
        _recorder.WorkerLog(worker.Id, $"killed by the head: {reason}");
        worker.Handle?.Kill();
    }
}

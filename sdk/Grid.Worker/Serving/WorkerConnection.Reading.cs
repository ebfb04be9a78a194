using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Serving;

/// <summary>What the worker does with each frame from the head, and how it knows the head is still there.</summary>
internal sealed partial class WorkerConnection
{
    private readonly Action<IMessage> _onMessage;
    private long _lastReceived;
    private volatile bool _shutdownRequested;
    private volatile bool _inputEnded;

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await _reader.ReadBatchAsync(_onMessage, _stopReading.Token).ConfigureAwait(false))
            {
                if (_end.Task.IsCompleted)
                {
                    return;
                }
            }

            _inputEnded = true;
            if (!_shutdownRequested)
            {
                End(ConnectionEnd.HeadLost("the head closed its stream"));
            }

            // After Shutdown the head has nothing more to say, so closing its side is normal: the held tasks finish,
            // and a head that is really gone shows up as a failed write.
        }
        catch (ProtocolException exception)
        {
            End(ConnectionEnd.ProtocolError(exception));
        }
        catch (OperationCanceledException) when (_stopReading.IsCancellationRequested)
        {
        }
        catch (IOException exception)
        {
            End(ConnectionEnd.HeadLost($"reading from the head failed: {exception.Message}"));
        }
    }

    /// <summary>Called for every frame, in order, on the reading loop; it never waits.</summary>
    private void OnMessage(IMessage message)
    {
        // Any frame at all shows the head is alive; marked before acting on it, so a reply never precedes the mark.
        MarkReceived();
        if (_end.Task.IsCompleted)
        {
            // The connection is over (a Goodbye earlier in this batch): the rest of the batch is moot.
            return;
        }

        switch (message)
        {
            case TaskMessage task:
                Accept(task);
                break;
            case Cancel cancel:
                // A Cancel that crossed the attempt's Result on the wire finds nothing, which is fine.
                if (_attempts.TryGetValue(new AttemptKey(cancel.Key, cancel.Attempt), out var attempt))
                {
                    attempt.Cancel(cancel.Reason == CancelReason.Timeout ? CancelCause.HeadTimeout : CancelCause.HeadWithdrawn);
                }

                break;
            case Heartbeat:
                break;
            case Ack ack:
                _unacked.Acknowledged(ack);
                break;
            case Shutdown:
                BeginShutdown();
                break;
            case Goodbye goodbye:
                End(ConnectionEnd.HeadGoodbye(goodbye.Code, goodbye.Message));
                break;
            default:
                throw new ProtocolException(ProtocolErrors.Unexpected, $"a worker does not accept {message.Kind} frames from the head.");
        }
    }

    private void Accept(TaskMessage task)
    {
        if (_shutdownRequested)
        {
            throw new ProtocolException(ProtocolErrors.Unexpected,
                $"task {task.TaskId} (key {task.Key}, attempt {task.Attempt}) arrived after Shutdown.");
        }

        var attempt = new Attempt(_outbox, task, _workerId);
        if (!_attempts.TryAdd(attempt.Id, attempt))
        {
            attempt.Dispose();
            throw new ProtocolException(ProtocolErrors.Unexpected,
                $"task {task.TaskId} (key {task.Key}, attempt {task.Attempt}) is already held by this worker.");
        }

        // Unbounded on purpose: the head decides how many tasks a worker holds (slots × prefetch).
        _queue.Writer.TryWrite(attempt);
    }

    /// <summary>Takes nothing new; the connection ends once the slots have run every attempt held.</summary>
    private void BeginShutdown()
    {
        if (_shutdownRequested)
        {
            return;
        }

        _shutdownRequested = true;
        _queue.Writer.TryComplete();
        _ = EndWhenDrainedAsync();
    }

    private async Task EndWhenDrainedAsync()
    {
        await _slots.ConfigureAwait(false);

        // The last results are acknowledged before the worker goes, so none is lost with the connection.
        await _unacked.WaitAllAcknowledgedAsync(FinalAckTimeout).ConfigureAwait(false);
        End(ConnectionEnd.Drained());
    }

    private void MarkReceived() => Volatile.Write(ref _lastReceived, _time.GetTimestamp());

    /// <summary>
    /// One timer for both directions: it sends a Heartbeat every interval and checks that something arrived from
    /// the head within the lease. A Heartbeat is dropped when the outbox is full: frames are flowing anyway.
    /// </summary>
    private ITimer? StartHeartbeats(Welcome welcome)
    {
        var interval = TimeSpan.FromMilliseconds(welcome.HeartbeatMilliseconds);
        var lease = TimeSpan.FromMilliseconds(welcome.LeaseMilliseconds);
        var tick = interval > TimeSpan.Zero ? interval : lease / 4;
        if (tick <= TimeSpan.Zero)
        {
            return null;
        }

        return _time.CreateTimer(_ =>
        {
            if (interval > TimeSpan.Zero)
            {
                _outbox.TrySend(Heartbeat.Instance);
            }

            _unacked.ResendOverdue(_outbox);

            if (lease > TimeSpan.Zero && !_inputEnded && _time.GetElapsedTime(Volatile.Read(ref _lastReceived)) > lease)
            {
                End(ConnectionEnd.HeadLost($"nothing heard from the head for {lease.TotalMilliseconds:0} ms (the lease)"));
            }
        }, null, tick, tick);
    }
}

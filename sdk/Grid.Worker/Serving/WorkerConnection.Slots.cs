using Grid.Buffers;
using Grid.Logging;
using Grid.Protocol.Messages;
using ProtocolLimits = Grid.Protocol.Protocol;

namespace Grid.Serving;

/// <summary>The slots: loops that each take the next queued attempt and run it to its Result.</summary>
internal sealed partial class WorkerConnection
{
    /// <summary>The largest output that fits a Result frame: the payload limit less the Result's fixed fields.</summary>
    private const int MaxResultBodyBytes = ProtocolLimits.MaxPayloadBytes - (8 + 4 + 1 + 8);

    private volatile bool _abandoning;

    /// <summary>Drain was sent: queued attempts are answered without running (the head has requeued them).</summary>
    private volatile bool _draining;

    private Task StartSlots()
    {
        var slots = new Task[_options.Slots];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = Task.Run(RunSlotAsync);
        }

        return Task.WhenAll(slots);
    }

    private async Task RunSlotAsync()
    {
        var queue = _queue.Reader;
        try
        {
            while (await queue.WaitToReadAsync().ConfigureAwait(false))
            {
                while (queue.TryRead(out var attempt))
                {
                    await RunAttemptAsync(attempt).ConfigureAwait(false);
                }
            }
        }
        catch (Exception exception)
        {
            // Handler exceptions never get here; this is the worker's own failure. A slot that died silently
            // would leave its attempts unanswered, so the whole worker stops and says why.
            End(ConnectionEnd.Crashed(exception));
        }
    }

    /// <summary>Started, the handler, Result; the attempt's prints are sent and its scratch folder deleted before its Result.</summary>
    private async ValueTask RunAttemptAsync(Attempt attempt)
    {
        try
        {
            if (_abandoning)
            {
                // The head is gone: nobody is waiting for this attempt.
                return;
            }

            await _outbox.SendAsync(new Started(attempt.Key, attempt.Attempt)).ConfigureAwait(false);
            long started = _time.GetTimestamp();
            Outcome outcome;
            PooledBytes body;
            if (attempt.IsCancellationRequested || _draining)
            {
                // Cancelled while it waited for a slot, or the worker is draining: report it without running the handler.
                outcome = Outcome.Cancelled;
                body = ErrorBody.Of(new OperationCanceledException(attempt.Context.CancellationToken),
                    attempt.IsCancellationRequested ? attempt.DescribeCancellation() : "The attempt was not started: the worker is draining (its machine is going away).");
            }
            else
            {
                attempt.StartTimeout(_time);
                (outcome, body) = await InvokeAsync(attempt).ConfigureAwait(false);
            }

            ulong microseconds = (ulong)(_time.GetElapsedTime(started).Ticks / TimeSpan.TicksPerMicrosecond);
            if (body.Length > MaxResultBodyBytes)
            {
                int length = body.Length;
                body.Release();
                outcome = Outcome.Failed;
                body = ErrorBody.Of(new InvalidOperationException(
                    $"The handler's output is {length} bytes, over the {MaxResultBodyBytes}-byte limit of a Result frame. Write large outputs to storage and return a reference (a path or URL)."));
            }

            // Done before the Result goes out, so that once the head has it the attempt has left nothing behind.
            attempt.Finish();
            var result = new Result(attempt.Key, attempt.Attempt, outcome, microseconds, body.Memory);

            // Two holds on the body: the list of unacknowledged results takes this one, the frame a second.
            body.TryRetain();
            _unacked.Sent(result, body);
            await _outbox.SendAsync(result, body).ConfigureAwait(false);
        }
        finally
        {
            _attempts.TryRemove(attempt.Id, out _);
            attempt.Dispose();
        }
    }

    private async ValueTask<(Outcome Outcome, PooledBytes Body)> InvokeAsync(Attempt attempt)
    {
        // Everything the handler prints, and every task it starts, carries this attempt's scope.
        var outer = LogScope.Current;
        LogScope.Current = attempt;
        try
        {
            var output = await _handler.InvokeAsync(attempt.Task.Input, attempt.Context).ConfigureAwait(false);
            return (Outcome.Succeeded, output);
        }
        catch (OperationCanceledException exception) when (attempt.IsCancellationRequested)
        {
            return (Outcome.Cancelled, ErrorBody.Of(exception, attempt.DescribeCancellation()));
        }
        catch (Exception exception)
        {
            return (Outcome.Failed, ErrorBody.Of(exception));
        }
        finally
        {
            LogScope.Current = outer;
        }
    }
}

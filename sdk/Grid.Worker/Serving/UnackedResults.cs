using System.Collections.Concurrent;
using Grid.Buffers;
using Grid.Protocol.Messages;
using ProtocolLimits = Grid.Protocol.Protocol;

namespace Grid.Serving;

/// <summary>
/// Results sent but not yet acknowledged by the head. The head acknowledges a result once it is in its journal;
/// one still unacknowledged after <see cref="ProtocolLimits.ResultResendInterval"/> is sent again, so a result
/// lost on the way costs a resend, not a re-run. The head fences the duplicates a resend may cause.
/// </summary>
internal sealed class UnackedResults
{
    private readonly ConcurrentDictionary<AttemptKey, Pending> _pending = new();
    private readonly TimeProvider _time;

    public UnackedResults(TimeProvider time)
    {
        _time = time;
    }

    public int Count => _pending.Count;

    /// <summary>
    /// Noted before the Result is posted, so an Ack that comes back at once finds it. The caller's hold on
    /// <paramref name="body"/>, the Result's body, passes to this list, which releases it on the Ack.
    /// </summary>
    public void Sent(Result result, PooledBytes body)
    {
        var key = new AttemptKey(result.Key, result.Attempt);
        if (_pending.TryRemove(key, out var earlier))
        {
            earlier.Body.Release();
        }

        _pending[key] = new Pending(result, body, _time.GetTimestamp());
    }

    public void Acknowledged(Ack ack)
    {
        foreach (var (key, attempt) in ack.Results)
        {
            if (_pending.TryRemove(new AttemptKey(key, attempt), out var pending))
            {
                pending.Body.Release();
            }
        }
    }

    /// <summary>Re-posts every result unacknowledged for a whole resend interval; called from the heartbeat timer.</summary>
    public void ResendOverdue(FrameOutbox outbox)
    {
        long now = _time.GetTimestamp();
        foreach (var pending in _pending.Values)
        {
            if (_time.GetElapsedTime(pending.SentAt, now) >= ProtocolLimits.ResultResendInterval && Resend(outbox, pending))
            {
                pending.SentAt = now;
            }
        }
    }

    /// <summary>Posts every result held: on a new connection to the head, which may never have seen them.</summary>
    public void ResendAll(FrameOutbox outbox)
    {
        long now = _time.GetTimestamp();
        foreach (var pending in _pending.Values)
        {
            if (Resend(outbox, pending))
            {
                pending.SentAt = now;
            }
        }
    }

    /// <summary>Waits until every result is acknowledged, or the timeout passes.</summary>
    public async Task WaitAllAcknowledgedAsync(TimeSpan timeout)
    {
        long start = _time.GetTimestamp();
        while (!_pending.IsEmpty && _time.GetElapsedTime(start) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time).ConfigureAwait(false);
        }
    }

    /// <summary>Posts a pending Result again, with a hold on its body for the frame; not if the Ack has just released it.</summary>
    private static bool Resend(FrameOutbox outbox, Pending pending) =>
        pending.Body.TryRetain() && outbox.TrySend(pending.Result, pending.Body);

    private sealed class Pending(Result result, PooledBytes body, long sentAt)
    {
        public Result Result { get; } = result;

        public PooledBytes Body { get; } = body;

        public long SentAt { get; set; } = sentAt;
    }
}

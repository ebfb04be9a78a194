using System.Collections.Concurrent;
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

    /// <summary>Noted before the Result is posted, so an Ack that comes back at once finds it.</summary>
    public void Sent(Result result) => _pending[new AttemptKey(result.Key, result.Attempt)] = new Pending(result, _time.GetTimestamp());

    public void Acknowledged(Ack ack)
    {
        foreach (var (key, attempt) in ack.Results)
        {
            _pending.TryRemove(new AttemptKey(key, attempt), out _);
        }
    }

    /// <summary>Re-posts every result unacknowledged for a whole resend interval; called from the heartbeat timer.</summary>
    public void ResendOverdue(FrameOutbox outbox)
    {
        long now = _time.GetTimestamp();
        foreach (var pending in _pending.Values)
        {
            if (_time.GetElapsedTime(pending.SentAt, now) >= ProtocolLimits.ResultResendInterval && outbox.TrySend(pending.Result))
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
            if (outbox.TrySend(pending.Result))
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

    private sealed class Pending(Result result, long sentAt)
    {
        public Result Result { get; } = result;

        public long SentAt { get; set; } = sentAt;
    }
}

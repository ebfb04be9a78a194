using System.IO.Pipelines;
using Grid.Protocol;
using Grid.Tool.Backends;

namespace Grid.Tool.Head;

/// <summary>Where a worker is in its life, as the head sees it.</summary>
internal enum WorkerStatus
{
    /// <summary>The backend is starting it.</summary>
    Launching,

    /// <summary>Its streams are open; waiting for Hello.</summary>
    AwaitingHello,

    /// <summary>Welcomed: takes tasks.</summary>
    Ready,

    /// <summary>Going away (a spot notice, or told to shut down): takes no new tasks.</summary>
    Draining,

    /// <summary>Gone; its tasks were requeued.</summary>
    Closed,
}

/// <summary>
/// One worker connection. The scheduler loop alone reads and writes its state; the reader loop only posts
/// events, and the pump only copies bytes the loop wrote.
/// </summary>
internal sealed class WorkerSession
{
    private readonly Pipe _outbound = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
    private readonly List<WorkerSession> _toFlush;
    private bool _listed;

    /// <param name="toFlush">The loop's list of workers with frames or acknowledgements to send at the end of the batch: this one adds itself once.</param>
    public WorkerSession(int index, string id, long launchedAt, List<WorkerSession> toFlush)
    {
        _toFlush = toFlush;
        Index = index;
        Id = id;
        LaunchedAt = launchedAt;
        LastHeard = launchedAt;
        LastSent = launchedAt;
    }

    public int Index { get; }

    public string Id { get; }

    public WorkerStatus Status { get; set; } = WorkerStatus.Launching;

    public IWorkerHandle? Handle { get; set; }

    public int Slots { get; set; }

    public int Capacity { get; set; }

    /// <summary>Task numbers of the attempts this worker holds (leased or running).</summary>
    public HashSet<int> InFlight { get; } = [];

    /// <summary>The attempts sent to it, in the order sent: a worker starts them in that order.</summary>
    public Queue<(int Index, ushort Attempt)> SentOrder { get; } = new();

    /// <summary>Attempts sent before one that started, yet not started themselves: lost on the way, or a moment behind.</summary>
    public Dictionary<int, (ushort Attempt, long Since)>? Skipped { get; set; }

    /// <summary>When the head may next count its running attempts to see whether a slot is free.</summary>
    public long NextFreeSlotCheck { get; set; }

    public long LaunchedAt { get; }

    /// <summary>When it said Hello; 0 before.</summary>
    public long ReadyAt { get; set; }

    public long LastHeard { get; set; }

    public long LastSent { get; set; }

    /// <summary>Why the head killed it, when it did: its tasks are then not blamed for its death.</summary>
    public string? KilledBecause { get; set; }

    /// <summary>It stopped answering; its running tasks are blamed as if it had crashed.</summary>
    public bool LeaseExpired { get; set; }

    public bool Dirty { get; set; }

    public int Completed { get; set; }

    public PipeWriter Writer => _outbound.Writer;

    /// <summary>Results received in this batch, acknowledged once the journal is flushed.</summary>
    private List<(ulong Key, uint Attempt)> PendingAcks { get; } = [];

    /// <summary>A result to acknowledge at the end of the batch, once the journal holds it.</summary>
    public void Acknowledge(ulong key, uint attempt)
    {
        PendingAcks.Add((key, attempt));
        ListForFlush();
    }

    /// <summary>
    /// The end of the loop's batch: everything queued goes to the pump, acknowledgements with it. Acknowledgements
    /// alone wait for the next frames this worker is sent, or for the clock (<see cref="SendAcks"/> on every tick):
    /// a worker re-sends a result only after <see cref="Grid.Protocol.Protocol.ResultResendInterval"/>, and a write
    /// saved per batch is a TLS record and a send saved on the cloud path.
    /// </summary>
    public void EndBatch(long now)
    {
        if (Dirty || PendingAcks.Count >= EagerAcks)
        {
            SendAcks(now);
        }

        Flush();
        _listed = false;
    }

    /// <summary>Acknowledgements held back no longer than this many: what the worker keeps until they come.</summary>
    private const int EagerAcks = 1024;

    private void ListForFlush()
    {
        if (!_listed)
        {
            _listed = true;
            _toFlush.Add(this);
        }
    }

    /// <summary>Queues Ack frames for the results received since the last call (and lists the worker for the batch's flush).</summary>
    public void SendAcks(long now)
    {
        if (PendingAcks.Count == 0 || Status == WorkerStatus.Closed)
        {
            PendingAcks.Clear();
            return;
        }

        // Encoded at once by Send, so the list can be handed over as it is and cleared after.
        if (PendingAcks.Count <= Grid.Protocol.Messages.Ack.MaxResults)
        {
            Send(new Grid.Protocol.Messages.Ack(PendingAcks), now);
        }
        else
        {
            for (int from = 0; from < PendingAcks.Count; from += Grid.Protocol.Messages.Ack.MaxResults)
            {
                int count = Math.Min(Grid.Protocol.Messages.Ack.MaxResults, PendingAcks.Count - from);
                Send(new Grid.Protocol.Messages.Ack(PendingAcks.GetRange(from, count)), now);
            }
        }

        PendingAcks.Clear();
    }

    /// <summary>Queues one frame for the pump. Nothing blocks: the pipe never pauses, and capacity bounds what is queued.</summary>
    public void Send(IMessage message, long now)
    {
        FrameWriter.Write(_outbound.Writer, message);
        Queued(now);
    }

    /// <summary>Queues a Task frame, made from its parts (<see cref="FrameWriter.WriteTask"/>).</summary>
    public void SendTask(ulong key, uint attempt, uint timeoutMilliseconds, ReadOnlySpan<byte> taskIdUtf8, ReadOnlySpan<byte> input, long now)
    {
        FrameWriter.WriteTask(_outbound.Writer, key, attempt, timeoutMilliseconds, taskIdUtf8, input);
        Queued(now);
    }

    /// <summary>A frame is queued: the pump gets it at the end of the batch.</summary>
    private void Queued(long now)
    {
        LastSent = now;
        Dirty = true;
        ListForFlush();
    }

    /// <summary>Copies queued frames to the worker until the outbound pipe is completed.</summary>
    public async Task PumpAsync(Stream destination)
    {
        try
        {
            await _outbound.Reader.CopyToAsync(destination).ConfigureAwait(false);
            await destination.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The worker closed its stdin (it exited): the reader loop reports that.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            await _outbound.Reader.CompleteAsync().ConfigureAwait(false);
            try
            {
                destination.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    public void Flush()
    {
        if (Dirty)
        {
            Dirty = false;

            // The pipe never pauses, so this completes at once; the pump does the slow write.
            var flush = _outbound.Writer.FlushAsync();
            System.Diagnostics.Debug.Assert(flush.IsCompleted, "an unpaused pipe flushes at once");
            _ = flush.AsTask();
        }
    }

    /// <summary>Sends nothing more; the pump closes the worker's input once it has written what is queued.</summary>
    public void CloseOutbound()
    {
        Flush();
        _outbound.Writer.Complete();
    }
}

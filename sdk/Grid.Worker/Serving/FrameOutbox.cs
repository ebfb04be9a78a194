using System.IO.Pipelines;
using System.Threading.Channels;
using Grid.Buffers;
using Grid.Protocol;
using ProtocolLimits = Grid.Protocol.Protocol;

namespace Grid.Serving;

/// <summary>
/// The only writer of the protocol stream. Producers (slots, the console capture, heartbeats) post messages to
/// a bounded channel; one loop encodes them into the pipe and flushes when the channel is momentarily empty, so
/// a busy worker pays one write per batch, not per frame. The bound is the backpressure: a handler printing
/// faster than the head reads blocks in its print instead of growing memory.
/// </summary>
internal sealed class FrameOutbox
{
    /// <summary>Frames waiting to be encoded. Log frames hold at most 64 KiB each, so this bounds memory too.</summary>
    public const int Capacity = 1024;

    /// <summary>Flush at least this often while frames keep coming, so a steady stream does not pile up unflushed.</summary>
    private const int FlushThresholdBytes = 256 * 1024;

    /// <summary>
    /// A tail this large (a large output) goes from its own memory to the stream, after what is buffered before
    /// it, in one write, instead of being copied into the pipe's buffers first.
    /// </summary>
    private const int DirectTailBytes = 64 * 1024;

    private readonly Channel<OutgoingFrame> _channel = Channel.CreateBounded<OutgoingFrame>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly PipeWriter _output;
    private readonly TaskCompletionSource<Exception> _broken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FrameOutbox(PipeWriter output)
    {
        _output = output;
    }

    /// <summary>Completes when writing to the head failed; the frames posted since are dropped.</summary>
    public Task<Exception> Broken => _broken.Task;

    /// <summary>Posts a frame, waiting while the outbox is full. <paramref name="pooled"/>, the frame's bytes, is released once written.</summary>
    public ValueTask SendAsync(IMessage message, PooledBytes? pooled = null)
    {
        var frame = new OutgoingFrame(message, pooled);
        if (_channel.Writer.TryWrite(frame))
        {
            return ValueTask.CompletedTask;
        }

        return SendSlowAsync(frame);
    }

    /// <summary>Posts a frame from synchronous code (a Console write), blocking while the outbox is full.</summary>
    /// <returns>False once the outbox is closed.</returns>
    public bool Send(IMessage message, PooledBytes? pooled = null)
    {
        var frame = new OutgoingFrame(message, pooled);
        if (_channel.Writer.TryWrite(frame))
        {
            return true;
        }

        try
        {
            _channel.Writer.WriteAsync(frame).AsTask().GetAwaiter().GetResult();
            return true;
        }
        catch (ChannelClosedException)
        {
            Release(frame);
            return false;
        }
    }

    /// <summary>Posts a frame if there is room now: for heartbeats, pointless behind a full outbox, and resends.</summary>
    /// <returns>False if there was no room; <paramref name="pooled"/> is released either way.</returns>
    public bool TrySend(IMessage message, PooledBytes? pooled = null)
    {
        if (_channel.Writer.TryWrite(new OutgoingFrame(message, pooled)))
        {
            return true;
        }

        pooled?.Release();
        return false;
    }

    /// <summary>No more frames; <see cref="RunAsync"/> ends once the ones posted are written.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>The writer loop. Ends when the outbox is completed and drained; a write failure is reported by <see cref="Broken"/>.</summary>
    public async Task RunAsync()
    {
        var reader = _channel.Reader;
        bool broken = false;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            long unflushed = 0;
            while (reader.TryRead(out var frame))
            {
                if (!broken)
                {
                    try
                    {
                        var tail = frame.Message.Tail;
                        if (tail.Length >= DirectTailBytes)
                        {
                            FrameWriter.WriteHead(_output, frame.Message);
                            unflushed = 0;
                            broken = !await FlushAsync(tail).ConfigureAwait(false);
                        }
                        else
                        {
                            FrameWriter.Write(_output, frame.Message);
                            unflushed += ProtocolLimits.HeaderBytes + frame.Message.FieldsSize + tail.Length;
                            if (unflushed >= FlushThresholdBytes)
                            {
                                unflushed = 0;
                                broken = !await FlushAsync().ConfigureAwait(false);
                            }
                        }
                    }
                    catch (Exception exception)
                    {
                        // A stream that fails (or a frame that cannot be encoded) ends the connection, never silently.
                        broken = MarkBroken(exception);
                    }
                }

                Release(frame);
            }

            if (!broken && unflushed > 0)
            {
                broken = !await FlushAsync().ConfigureAwait(false);
            }
        }

        if (!broken)
        {
            try
            {
                // The end of the worker's stream tells the head that nothing more is coming.
                await _output.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException)
            {
                MarkBroken(exception);
            }
        }
    }

    private async ValueTask SendSlowAsync(OutgoingFrame frame)
    {
        try
        {
            await _channel.Writer.WriteAsync(frame).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // The connection is over; nobody is left to read this frame.
            Release(frame);
        }
    }

    /// <summary>Writes what is buffered, then <paramref name="tail"/> if there is one, to the stream.</summary>
    private async ValueTask<bool> FlushAsync(ReadOnlyMemory<byte> tail = default)
    {
        try
        {
            var result = tail.IsEmpty
                ? await _output.FlushAsync().ConfigureAwait(false)
                : await _output.WriteAsync(tail).ConfigureAwait(false);
            if (result.IsCompleted)
            {
                return !MarkBroken(new IOException("The head stopped reading."));
            }

            return true;
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or InvalidOperationException)
        {
            return !MarkBroken(exception);
        }
    }

    private bool MarkBroken(Exception exception)
    {
        // Keep draining (and dropping) so that producers blocked on a full outbox are released.
        _broken.TrySetResult(exception);
        return true;
    }

    private static void Release(in OutgoingFrame frame) => frame.Pooled?.Release();

    private readonly record struct OutgoingFrame(IMessage Message, PooledBytes? Pooled);
}

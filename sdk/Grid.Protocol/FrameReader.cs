using System.Buffers;
using System.IO.Pipelines;

namespace Grid.Protocol;

/// <summary>Reads messages from a pipe, a batch at a time, so a busy peer costs one wake-up per batch, not per frame.</summary>
public sealed class FrameReader
{
    private readonly PipeReader _reader;

    public FrameReader(PipeReader reader)
    {
        _reader = reader;
    }

    /// <param name="bufferBytes">How much one read of <paramref name="stream"/> may return.</param>
    public FrameReader(Stream stream, int bufferBytes = 64 * 1024)
        : this(PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: bufferBytes, minimumReadSize: Math.Min(16 * 1024, bufferBytes / 4))))
    {
    }

    /// <summary>
    /// Waits for bytes, then decodes every whole frame received and hands each message to <paramref name="onMessage"/>.
    /// Returns false at a clean end of stream (between frames).
    /// </summary>
    /// <exception cref="ProtocolException">A frame broke the protocol, or the stream ended inside a frame (GRID6003).</exception>
    public async ValueTask<bool> ReadBatchAsync(Action<IMessage> onMessage, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            int decoded = 0;
            try
            {
                while (FrameDecoder.TryReadFrame(ref buffer, out var kind, out var payload))
                {
                    onMessage(FrameDecoder.Decode(kind, payload));
                    decoded++;
                }
            }
            finally
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (read.IsCompleted)
            {
                ThrowIfInsideAFrame(buffer);

                return decoded > 0;
            }

            if (decoded > 0)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Waits for bytes, then copies every whole frame received into one pooled buffer, headers checked and payloads
    /// not decoded. Null at a clean end of stream (between frames). The caller disposes the batch.
    /// </summary>
    /// <exception cref="ProtocolException">A frame's header broke the protocol, or the stream ended inside a frame (GRID6003).</exception>
    public async ValueTask<FrameBatch?> ReadFramesAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            int count = 0;
            try
            {
                while (FrameDecoder.TryReadFrame(ref buffer, out _, out _))
                {
                    count++;
                }
            }
            catch (ProtocolException)
            {
                _reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                throw;
            }

            if (count > 0)
            {
                var frames = read.Buffer.Slice(0, buffer.Start);
                int length = checked((int)frames.Length);
                var pooled = ArrayPool<byte>.Shared.Rent(length);
                frames.CopyTo(pooled);
                _reader.AdvanceTo(buffer.Start, buffer.End);
                return new FrameBatch(pooled, length, count);
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                ThrowIfInsideAFrame(buffer);

                return null;
            }
        }
    }

    /// <summary>Reads exactly one message, or null at a clean end of stream.</summary>
    public async ValueTask<IMessage?> ReadOneAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var read = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            IMessage? message = null;
            try
            {
                if (FrameDecoder.TryReadFrame(ref buffer, out var kind, out var payload))
                {
                    message = FrameDecoder.Decode(kind, payload);
                }
            }
            finally
            {
                // A decoded frame leaves the rest unexamined, so the next read returns at once with it.
                if (message is not null)
                {
                    _reader.AdvanceTo(buffer.Start);
                }
                else
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }

            if (message is not null)
            {
                return message;
            }

            if (read.IsCompleted)
            {
                ThrowIfInsideAFrame(buffer);

                return null;
            }
        }
    }

    /// <summary>Stops reading; the underlying stream is closed.</summary>
    public ValueTask CompleteAsync() => _reader.CompleteAsync();

    /// <summary>The stream ended: bytes left over are a frame cut short (GRID6003).</summary>
    private static void ThrowIfInsideAFrame(in ReadOnlySequence<byte> rest)
    {
        if (!rest.IsEmpty)
        {
            throw new ProtocolException(ProtocolErrors.Truncated,
                $"the stream ended inside a frame ({rest.Length} bytes of an incomplete frame).");
        }
    }
}

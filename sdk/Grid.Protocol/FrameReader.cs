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

    public FrameReader(Stream stream)
        : this(PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024)))
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
                if (!buffer.IsEmpty)
                {
                    throw new ProtocolException(ProtocolErrors.Truncated,
                        $"the stream ended inside a frame ({buffer.Length} bytes of an incomplete frame).");
                }

                return decoded > 0;
            }

            if (decoded > 0)
            {
                return true;
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
                if (!buffer.IsEmpty)
                {
                    throw new ProtocolException(ProtocolErrors.Truncated,
                        $"the stream ended inside a frame ({buffer.Length} bytes of an incomplete frame).");
                }

                return null;
            }
        }
    }

    /// <summary>Stops reading; the underlying stream is closed.</summary>
    public ValueTask CompleteAsync() => _reader.CompleteAsync();
}

using System.Buffers;
using System.Text;
using Grid.Protocol.Messages;
using ProtocolLimits = Grid.Protocol.Protocol;

namespace Grid.Logging;

/// <summary>
/// One scope's text on one stream, encoded to UTF-8 as it is written. Whole lines are sent at the end of each
/// write, so output is live line by line; a partial line waits for its end, a flush, or the end of the task.
/// A frame never holds more than <see cref="ProtocolLimits.MaxLogChunkBytes"/> bytes and never splits a
/// character.
/// </summary>
internal sealed class LogBuffer
{
    private const int Capacity = ProtocolLimits.MaxLogChunkBytes;

    /// <summary>The most UTF-8 bytes one call of the encoder may need to make progress (a surrogate pair).</summary>
    private const int MaxBytesPerStep = 4;

    private readonly LogScope _scope;
    private readonly LogSource _source;
    private readonly Encoder _encoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();
    private readonly Lock _gate = new();
    private byte[]? _buffer;
    private int _length;
    private bool _closed;

    public LogBuffer(LogScope scope, LogSource source)
    {
        _scope = scope;
        _source = source;
    }

    /// <summary>Appends text; false once the buffer is closed.</summary>
    public bool Write(ReadOnlySpan<char> text)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            int scanFrom = _length;
            while (!text.IsEmpty)
            {
                _buffer ??= ArrayPool<byte>.Shared.Rent(Capacity);
                if (Capacity - _length < MaxBytesPerStep)
                {
                    // A full chunk without a line end: send it as it is; the line goes on in the next frame.
                    Emit(_length);
                    scanFrom = 0;
                }

                _encoder.Convert(text, _buffer.AsSpan(_length, Capacity - _length), flush: false, out int charsUsed, out int bytesUsed, out _);
                _length += bytesUsed;
                text = text[charsUsed..];
            }

            if (_buffer is not null && _length > scanFrom)
            {
                int lastNewline = _buffer.AsSpan(scanFrom, _length - scanFrom).LastIndexOf((byte)'\n');
                if (lastNewline >= 0)
                {
                    Emit(scanFrom + lastNewline + 1);
                }
            }

            return true;
        }
    }

    /// <summary>Sends everything written so far, a partial line included.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            FlushLocked();
        }
    }

    /// <summary>Flushes and stops taking text.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            FlushLocked();
            _closed = true;
            if (_buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = null;
            }
        }
    }

    private void FlushLocked()
    {
        if (_buffer is null || _closed)
        {
            return;
        }

        // A lone high surrogate left in the encoder becomes U+FFFD rather than vanishing.
        if (Capacity - _length < MaxBytesPerStep)
        {
            Emit(_length);
        }

        _encoder.Convert([], _buffer.AsSpan(_length), flush: true, out _, out int bytesUsed, out _);
        _length += bytesUsed;
        if (_length > 0)
        {
            Emit(_length);
        }
    }

    /// <summary>Sends the first <paramref name="count"/> bytes and keeps the rest for the next frame.</summary>
    private void Emit(int count)
    {
        var buffer = _buffer!;
        int rest = _length - count;
        byte[] chunk;
        if (count >= Capacity / 2)
        {
            // A big chunk: hand the buffer itself over and carry the rest into a fresh one, instead of copying 64 KiB.
            chunk = buffer;
            _buffer = ArrayPool<byte>.Shared.Rent(Capacity);
            buffer.AsSpan(count, rest).CopyTo(_buffer);
        }
        else
        {
            chunk = ArrayPool<byte>.Shared.Rent(count);
            buffer.AsSpan(0, count).CopyTo(chunk);
            buffer.AsSpan(count, rest).CopyTo(buffer);
        }

        _length = rest;
        _scope.Send(_source, chunk, count);
    }
}

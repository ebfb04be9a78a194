using System.Buffers;

namespace Grid.Protocol;

/// <summary>One whole frame of a <see cref="FrameBatch"/>: its kind and its payload, a slice of the batch's buffer.</summary>
public readonly record struct Frame(FrameKind Kind, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The whole frames of one read, copied into one pooled buffer (<see cref="FrameReader.ReadFramesAsync"/>): a head
/// takes them from a worker's stream on one thread and handles them on another with no object per frame. The
/// headers were checked when the frames were cut; payloads are checked as they are decoded. Payloads are valid until
/// <see cref="Dispose"/> hands the buffer back.
/// </summary>
public sealed class FrameBatch : IDisposable
{
    private byte[]? _buffer;
    private readonly int _length;

    internal FrameBatch(byte[] buffer, int length, int count)
    {
        _buffer = buffer;
        _length = length;
        Count = count;
    }

    /// <summary>Frames in the batch.</summary>
    public int Count { get; }

    /// <summary>The frames in the order received.</summary>
    public Enumerator GetEnumerator() => new(_buffer ?? throw new ObjectDisposedException(nameof(FrameBatch)), _length);

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Walks the buffer's frames; each header was checked when the batch was made.</summary>
    public struct Enumerator(byte[] buffer, int length)
    {
        private int _next;

        public Frame Current { get; private set; }

        public bool MoveNext()
        {
            if (_next >= length)
            {
                return false;
            }

            int payload = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(_next));
            Current = new Frame((FrameKind)buffer[_next + 4], buffer.AsMemory(_next + Protocol.HeaderBytes, payload));
            _next += Protocol.HeaderBytes + payload;
            return true;
        }
    }
}

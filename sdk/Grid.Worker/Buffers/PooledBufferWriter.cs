using System.Buffers;

namespace Grid.Buffers;

/// <summary>
/// A buffer writer over arrays rented from the shared pool: a handler's output is serialized into it and handed
/// over, without a copy into a new array, as <see cref="PooledBytes"/>.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[]? _array;
    private int _written;

    public PooledBufferWriter(int initialCapacity = 256)
    {
        _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int WrittenCount => _written;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > Array.Length - _written)
        {
            throw new InvalidOperationException($"Advanced {count} bytes past the end of the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return Array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return Array.AsSpan(_written);
    }

    /// <summary>
    /// What was written, handed over; the writer is spent. A JSON writer asks for room for the worst case, three
    /// bytes per character of a long string, so a 1 MiB string lands in a 4 MiB array. An array more than four
    /// times what it holds is traded for one that fits (a copy), so that an output held until the head's Ack pins
    /// at most four times its size; up to that, the copy costs more than the memory (docs/performance.md).
    /// </summary>
    public PooledBytes Detach()
    {
        var array = Array;
        _array = null;
        if (array.Length / 4 > Math.Max(_written, 4096))
        {
            var fitting = ArrayPool<byte>.Shared.Rent(_written);
            array.AsSpan(0, _written).CopyTo(fitting);
            ArrayPool<byte>.Shared.Return(array);
            array = fitting;
        }

        return PooledBytes.Rented(array, _written);
    }

    /// <summary>Returns the array unless it was handed over.</summary>
    public void Dispose()
    {
        if (_array is { } array)
        {
            _array = null;
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PooledBufferWriter));

    /// <summary>Grows the array so that at least <paramref name="sizeHint"/> bytes (one if zero) are free.</summary>
    private void Ensure(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var array = Array;
        int needed = Math.Max(sizeHint, 1);
        if (array.Length - _written < needed)
        {
            long wanted = Math.Max((long)_written + needed, (long)array.Length * 2);
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(wanted, System.Array.MaxLength));
            if (bigger.Length - _written < needed)
            {
                ArrayPool<byte>.Shared.Return(bigger);
                throw new InvalidOperationException($"An output of over {System.Array.MaxLength} bytes does not fit an array.");
            }

            array.AsSpan(0, _written).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(array);
            _array = bigger;
        }
    }
}

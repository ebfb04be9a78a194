using System.Buffers;
using System.Diagnostics;

namespace Grid.Buffers;

/// <summary>
/// Bytes in an array rented from the shared pool, returned to it when the last holder lets go. A handler's output
/// has several holders at once: the Result waiting for the head's Ack, and each frame of it queued for writing
/// (a resend may be queued while the first is still being written). Each holder releases once; the array goes
/// back to the pool, warm, for the next output, instead of a new large array per task for the GC to clear and the
/// kernel to fault in.
/// </summary>
internal sealed class PooledBytes
{
    private readonly byte[] _array;
    private readonly int _length;
    private readonly bool _rented;
    private int _holders = 1;

    private PooledBytes(byte[] array, int length, bool rented)
    {
        _array = array;
        _length = length;
        _rented = rented;
    }

    /// <summary>The bytes; valid until the last holder has released them.</summary>
    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    public int Length => _length;

    /// <summary>The first <paramref name="length"/> bytes of an array rented from <see cref="ArrayPool{T}.Shared"/>, held by the caller.</summary>
    public static PooledBytes Rented(byte[] array, int length) => new(array, length, rented: true);

    /// <summary>An array of the caller's own (a handler's raw bytes, an error body): released to nobody.</summary>
    public static PooledBytes Owned(byte[] array) => new(array, array.Length, rented: false);

    /// <summary>Adds a holder, unless every holder has already let go (the array may be someone else's by now).</summary>
    public bool TryRetain()
    {
        int holders = Volatile.Read(ref _holders);
        while (holders > 0)
        {
            int seen = Interlocked.CompareExchange(ref _holders, holders + 1, holders);
            if (seen == holders)
            {
                return true;
            }

            holders = seen;
        }

        return false;
    }

    /// <summary>One holder lets go; the last one returns the array to the pool.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _holders);
        if (left == 0 && _rented)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        Debug.Assert(left >= 0, "released more often than held");
    }
}

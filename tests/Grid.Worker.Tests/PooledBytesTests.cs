using System.Buffers;
using Grid.Buffers;

namespace Grid.Worker.Tests;

/// <summary>The pooled arrays outputs are serialized into and held in until every holder lets go.</summary>
public class PooledBytesTests
{
    [Fact]
    public void TheWriterKeepsWhatWasWrittenAsItGrows()
    {
        using var writer = new PooledBufferWriter(initialCapacity: 16);
        var expected = new List<byte>();
        for (int i = 0; i < 300; i++)
        {
            var span = writer.GetSpan(i % 7 + 1);
            Assert.True(span.Length >= i % 7 + 1);
            for (int j = 0; j <= i % 7; j++)
            {
                span[j] = (byte)(i + j);
                expected.Add((byte)(i + j));
            }

            writer.Advance(i % 7 + 1);
        }

        var bytes = writer.Detach();
        Assert.Equal(expected, bytes.Memory.ToArray());
        Assert.Equal(expected.Count, bytes.Length);
        bytes.Release();
    }

    [Fact]
    public void AnArrayFarLargerThanItsContentIsTradedForOneThatFits()
    {
        using var writer = new PooledBufferWriter();

        // What a JSON writer does for a long string: asks for three bytes a character, uses one.
        var span = writer.GetSpan(3 * 100_000);
        span[..100_000].Fill((byte)'x');
        writer.Advance(100_000);

        var bytes = writer.Detach();
        Assert.True(MemoryMarshalArray(bytes).Length < 2 * 131_072, "the held array fits its content (one power of two)");
        Assert.All(bytes.Memory.ToArray(), b => Assert.Equal((byte)'x', b));
        bytes.Release();
    }

    [Fact]
    public void AdvancingPastTheBufferOrUsingItAfterDetachIsAnError()
    {
        using var writer = new PooledBufferWriter(initialCapacity: 16);
        int free = writer.GetSpan().Length;
        Assert.Throws<InvalidOperationException>(() => writer.Advance(free + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(-1));

        writer.Detach().Release();
        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan());
    }

    [Fact]
    public void NoHolderCanBeAddedOnceTheLastHasLetGo()
    {
        var bytes = PooledBytes.Rented(ArrayPool<byte>.Shared.Rent(64), 10);
        Assert.True(bytes.TryRetain());
        bytes.Release();
        Assert.True(bytes.TryRetain(), "one holder is left, so another may join");
        bytes.Release();
        bytes.Release();

        // The array is back in the pool and may be another output's by now: a late resend must not use it.
        Assert.False(bytes.TryRetain());
    }

    [Fact]
    public void BytesOfTheCallersOwnAreNeverReturnedToThePool()
    {
        var array = new byte[] { 1, 2, 3 };
        var bytes = PooledBytes.Owned(array);
        bytes.Release();
        Assert.Equal(array, bytes.Memory.ToArray());
    }

    private static byte[] MemoryMarshalArray(PooledBytes bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");
}

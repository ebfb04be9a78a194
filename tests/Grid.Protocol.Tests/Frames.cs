using System.Buffers;
using System.IO.Pipelines;

namespace Grid.Protocol.Tests;

/// <summary>Encodes, splits and decodes frames for the tests.</summary>
internal static class Frames
{
    /// <summary>How long any one read over a pipe may take before the test calls it a hang.</summary>
    public static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(10);

    public static byte[] Encode(IEnumerable<IMessage> messages)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var message in messages)
        {
            FrameWriter.Write(buffer, message);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes exactly one frame that fills <paramref name="frame"/>, from one segment or from several.</summary>
    public static IMessage DecodeOne(byte[] frame, Random? splitter = null)
    {
        var buffer = splitter is null ? new ReadOnlySequence<byte>(frame) : Split(frame, splitter);
        Assert.True(FrameDecoder.TryReadFrame(ref buffer, out var kind, out var payload), "a whole frame was not recognised as one.");
        Assert.True(buffer.IsEmpty, $"{buffer.Length} bytes were left after the frame.");
        return FrameDecoder.Decode(kind, payload);
    }

    /// <summary>The same bytes as a sequence of segments cut at random places (empty segments included).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, Random random)
    {
        Segment? first = null;
        Segment? last = null;
        int position = 0;
        do
        {
            int length = random.Next(4) == 0 ? 0 : random.Next(1, Math.Max(2, bytes.Length - position + 1));
            length = Math.Min(length, bytes.Length - position);
            var chunk = new ReadOnlyMemory<byte>(bytes, position, length);
            last = last is null ? first = new Segment(chunk, 0) : last.Append(chunk);
            position += length;
        }
        while (position < bytes.Length);

        return new ReadOnlySequence<byte>(first!, 0, last, last.Memory.Length);
    }

    /// <summary>Cuts <paramref name="bytes"/> into chunks of random sizes, most small, some large.</summary>
    public static List<ReadOnlyMemory<byte>> Chunks(byte[] bytes, Random random)
    {
        var chunks = new List<ReadOnlyMemory<byte>>();
        int position = 0;
        while (position < bytes.Length)
        {
            int length = random.Next(4) switch
            {
                0 => 1,
                1 => random.Next(1, 16),
                2 => random.Next(1, 512),
                _ => random.Next(1, 64 * 1024),
            };
            length = Math.Min(length, bytes.Length - position);
            chunks.Add(new ReadOnlyMemory<byte>(bytes, position, length));
            position += length;
        }

        return chunks;
    }

    /// <summary>Writes the chunks into the pipe, flushing after each, then completes it.</summary>
    public static async Task WriteAsync(PipeWriter writer, IEnumerable<ReadOnlyMemory<byte>> chunks)
    {
        foreach (var chunk in chunks)
        {
            await writer.WriteAsync(chunk);
        }

        await writer.CompleteAsync();
    }

    /// <summary>Every message until a clean end, read a batch at a time.</summary>
    public static async Task<List<IMessage>> ReadAllInBatchesAsync(FrameReader reader, List<IMessage>? into = null)
    {
        var messages = into ?? [];
        while (await reader.ReadBatchAsync(messages.Add).AsTask().WaitAsync(ReadBound))
        {
        }

        return messages;
    }

    /// <summary>Every message until a clean end, read one at a time.</summary>
    public static async Task<List<IMessage>> ReadAllOneByOneAsync(FrameReader reader, List<IMessage>? into = null)
    {
        var messages = into ?? [];
        while (await reader.ReadOneAsync().AsTask().WaitAsync(ReadBound) is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

using System.IO.Pipelines;

namespace Grid.Protocol.Tests;

/// <summary>
/// Properties over thousands of random valid messages from seeded generators: each message round-trips, and a
/// stream of frames cut at random places decodes to the same sequence whichever way it is read.
/// </summary>
public sealed class PropertyTests
{
    private const int Seeds = 8;

    [Fact]
    public void ThousandsOfRandomMessagesOfRandomKindsRoundTrip()
    {
        int count = 0;
        for (int seed = 0; seed < Seeds; seed++)
        {
            var generator = new MessageGenerator(seed);
            var splitter = new Random(~seed);
            for (int i = 0; i < 1_000; i++)
            {
                var message = generator.Next();
                var frame = FrameWriter.ToArray(message);
                try
                {
                    MessageAssert.Same(message, Frames.DecodeOne(frame));
                    MessageAssert.Same(message, Frames.DecodeOne(frame, splitter));
                }
                catch (Exception error) when (error is not OutOfMemoryException)
                {
                    throw new InvalidOperationException($"message {i} of seed {seed} did not round-trip: {message}", error);
                }

                count++;
            }
        }

        Assert.Equal(Seeds * 1_000, count);
    }

    [Fact]
    public void EveryKindIsDrawnByTheGenerator()
    {
        var generator = new MessageGenerator(seed: 42);
        var drawn = Enumerable.Range(0, 1_000).Select(_ => generator.Next().Kind).ToHashSet();
        Assert.Equal(Enum.GetValues<FrameKind>().Length, drawn.Count);
    }

    [Fact]
    public async Task ARandomlySplitStreamReadsInBatchesToTheSameSequence()
    {
        for (int seed = 0; seed < Seeds; seed++)
        {
            var (messages, stream, random) = RandomStream(seed);
            var pipe = new Pipe();
            var writing = Task.Run(() => Frames.WriteAsync(pipe.Writer, Frames.Chunks(stream, random)));

            var read = await Frames.ReadAllInBatchesAsync(new FrameReader(pipe.Reader));
            await writing;
            MessageAssert.SameSequence(messages, read);
        }
    }

    [Fact]
    public async Task ARandomlySplitStreamReadsOneAtATimeToTheSameSequence()
    {
        for (int seed = 0; seed < Seeds; seed++)
        {
            var (messages, stream, random) = RandomStream(seed + 100);
            var pipe = new Pipe();
            var writing = Task.Run(() => Frames.WriteAsync(pipe.Writer, Frames.Chunks(stream, random)));

            var read = await Frames.ReadAllOneByOneAsync(new FrameReader(pipe.Reader));
            await writing;
            MessageAssert.SameSequence(messages, read);
        }
    }

    [Fact]
    public async Task AStreamGivingShortReadsDecodesToTheSameSequence()
    {
        for (int seed = 0; seed < Seeds; seed++)
        {
            var (messages, stream, random) = RandomStream(seed + 200);
            using var shortReads = new ShortReadStream(stream, random);
            var reader = new FrameReader(shortReads);

            var read = seed % 2 == 0
                ? await Frames.ReadAllInBatchesAsync(reader)
                : await Frames.ReadAllOneByOneAsync(reader);
            await reader.CompleteAsync();
            MessageAssert.SameSequence(messages, read);
        }
    }

    [Fact]
    public async Task OneAtATimeAndBatchesCanBeMixedOnOneReader()
    {
        var (messages, stream, random) = RandomStream(seed: 300);
        var pipe = new Pipe();
        var writing = Task.Run(() => Frames.WriteAsync(pipe.Writer, Frames.Chunks(stream, random)));

        var reader = new FrameReader(pipe.Reader);
        var read = new List<IMessage>();
        bool more = true;
        while (more)
        {
            if (random.Next(2) == 0)
            {
                more = await reader.ReadBatchAsync(read.Add).AsTask().WaitAsync(Frames.ReadBound);
            }
            else if (await reader.ReadOneAsync().AsTask().WaitAsync(Frames.ReadBound) is { } message)
            {
                read.Add(message);
            }
            else
            {
                more = false;
            }
        }

        await writing;
        MessageAssert.SameSequence(messages, read);
    }

    /// <summary>300 random messages, their frames back to back, and the random source that made them.</summary>
    private static (List<IMessage> Messages, byte[] Stream, Random Random) RandomStream(int seed)
    {
        var generator = new MessageGenerator(seed) { MaxTailBytes = 64 * 1024 };
        var messages = Enumerable.Range(0, 300).Select(_ => generator.Next()).ToList();
        return (messages, Frames.Encode(messages), generator.Random);
    }

    /// <summary>A read-only stream that returns fewer bytes than asked for, as pipes and sockets do.</summary>
    private sealed class ShortReadStream(byte[] bytes, Random random) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int length = Math.Min(Math.Min(buffer.Length, bytes.Length - _position), random.Next(1, 3_000));
            bytes.AsSpan(_position, length).CopyTo(buffer);
            _position += length;
            return length;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

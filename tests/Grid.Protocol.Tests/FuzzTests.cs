using System.Buffers.Binary;
using Xunit.Abstractions;

namespace Grid.Protocol.Tests;

/// <summary>
/// Decoder robustness: random and mutated bytes, over 100,000 cases in all, never make a receiver throw anything
/// but a <see cref="ProtocolException"/>, never hang it, and never make it allocate more than the bytes it was given
/// warrant (see <see cref="DecoderProbe"/>). Every generator is seeded, so a failure replays.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly uint[] SpecialLengths =
    [
        0, 1, 4, 5, 12, 13, 21, 0xFF, 0xFFFF, 0x1_0000, Protocol.MaxLogChunkBytes + 13, Protocol.MaxPayloadBytes - 1,
        Protocol.MaxPayloadBytes, Protocol.MaxPayloadBytes + 1, int.MaxValue, 0x8000_0000, uint.MaxValue,
    ];

    [Fact]
    public void RandomBytesOnlyEverRaiseProtocolErrors()
    {
        var random = new Random(Fuzz.Seed(6001));
        int Cases = Fuzz.Scaled(25_000);
        for (int i = 0; i < Cases; i++)
        {
            var input = new byte[random.Next(0, 96)];
            random.NextBytes(input);
            if (i % 2 == 1 && input.Length >= Protocol.HeaderBytes)
            {
                // A believable header in front of random fields reaches past the framing into each kind's layout.
                BinaryPrimitives.WriteUInt32LittleEndian(input, (uint)random.Next(0, input.Length + 3 - Protocol.HeaderBytes));
                input[4] = (byte)MessageGenerator.Kinds[random.Next(MessageGenerator.Kinds.Length)];
            }

            DecoderProbe.Decode(input, i % 4 == 3 ? random : null);
        }

        output.WriteLine($"{Cases} random inputs");
    }

    [Fact]
    public void MutatedFramesOnlyEverRaiseProtocolErrors()
    {
        var corpus = Corpus(seed: Fuzz.Seed(6004));
        var random = new Random(Fuzz.Seed(6004));
        int Cases = Fuzz.Scaled(50_000);
        var codes = new Dictionary<string, int>();
        for (int i = 0; i < Cases; i++)
        {
            var input = Mutate(corpus[random.Next(corpus.Count)], random);
            var outcome = DecoderProbe.Decode(input, i % 4 == 3 ? random : null);
            var key = outcome.Code ?? (outcome.Leftover > 0 ? "needs more" : "decoded");
            codes[key] = codes.GetValueOrDefault(key) + 1;
        }

        output.WriteLine($"{Cases} mutated inputs: {string.Join(", ", codes.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}");
        Assert.Contains(ProtocolErrors.Malformed, codes.Keys);
        Assert.Contains(ProtocolErrors.UnknownKind, codes.Keys);
        Assert.Contains(ProtocolErrors.Oversize, codes.Keys);
    }

    [Fact]
    public void FramesCutAtEveryPositionWaitForTheRest()
    {
        int cases = 0;
        foreach (var (frames, _) in Corpus(seed: Fuzz.Seed(6003)))
        {
            for (int cut = 0; cut < frames.Length; cut++)
            {
                var outcome = DecoderProbe.Decode(frames[..cut]);
                Assert.Null(outcome.Code);
                Assert.Equal(cut, outcome.Leftover + FrameLengthsBefore(frames, cut));
                cases++;
            }
        }

        output.WriteLine($"{cases} truncated inputs");
        Assert.True(cases > 10_000);
    }

    [Fact]
    public void KindsReplacedByUndefinedValuesAreRefusedAtTheHeader()
    {
        int cases = 0;
        foreach (var (frames, _) in Corpus(seed: Fuzz.Seed(6002)))
        {
            for (int kind = 0; kind <= byte.MaxValue; kind++)
            {
                if (FrameKinds.IsDefined((byte)kind))
                {
                    continue;
                }

                var input = (byte[])frames.Clone();
                input[4] = (byte)kind;
                Assert.Equal(new DecodeOutcome(0, ProtocolErrors.UnknownKind, 0), DecoderProbe.Decode(input));

                // Only the header: the kind is judged before any payload is waited for.
                Assert.Equal(new DecodeOutcome(0, ProtocolErrors.UnknownKind, 0), DecoderProbe.Decode(input[..Protocol.HeaderBytes]));
                cases += 2;
            }
        }

        output.WriteLine($"{cases} inputs with undefined kinds");
    }

    [Fact]
    public void AlteredLengthsOnlyEverRaiseProtocolErrors()
    {
        var corpus = Corpus(seed: Fuzz.Seed(6001));
        var random = new Random(Fuzz.Seed(6001));
        int Cases = Fuzz.Scaled(12_000);
        for (int i = 0; i < Cases; i++)
        {
            var (frames, starts) = corpus[random.Next(corpus.Count)];
            var input = (byte[])frames.Clone();
            int start = starts[random.Next(starts.Length)];
            uint original = BinaryPrimitives.ReadUInt32LittleEndian(input.AsSpan(start));
            uint length = random.Next(3) switch
            {
                0 => SpecialLengths[random.Next(SpecialLengths.Length)],
                1 => (uint)Math.Max(0, original + random.Next(-3, 4)),
                _ => (uint)random.NextInt64(0, 1L << 32),
            };
            BinaryPrimitives.WriteUInt32LittleEndian(input.AsSpan(start), length);

            var outcome = DecoderProbe.Decode(input, i % 4 == 3 ? random : null);
            if (start == 0 && length > Protocol.MaxPayloadBytes)
            {
                Assert.Equal(new DecodeOutcome(0, ProtocolErrors.Oversize, 0), outcome);
            }
        }

        output.WriteLine($"{Cases} inputs with altered lengths");
    }

    [Fact]
    public async Task ReadersOverAPipeAgreeWithTheDecoderOnMutatedStreams()
    {
        var corpus = Corpus(seed: Fuzz.Seed(6009));
        var random = new Random(Fuzz.Seed(6009));
        int Streams = Fuzz.Scaled(3_000);
        for (int i = 0; i < Streams; i++)
        {
            var input = i % 10 == 0 ? RandomBytes(random) : Mutate(corpus[random.Next(corpus.Count)], random);
            var expected = DecoderProbe.Decode(input).AtEndOfStream;
            Assert.Equal(expected, await DecoderProbe.ReadThroughPipeAsync(input, random, inBatches: false));
            Assert.Equal(expected, await DecoderProbe.ReadThroughPipeAsync(input, random, inBatches: true));
        }

        output.WriteLine($"{Streams} streams, each read one at a time and in batches: {2 * Streams} pipe cases");
    }

    [Fact]
    public async Task StreamsCutAtEveryPositionEndWithGrid6003OverAPipe()
    {
        var random = new Random(6003);
        int cases = 0;
        foreach (var (frames, starts) in Corpus(seed: 6005).Where(entry => entry.Starts.Length > 1).Take(8))
        {
            int[] ends = [.. starts.Skip(1), frames.Length];
            for (int cut = 1; cut < frames.Length; cut++)
            {
                var outcome = await DecoderProbe.ReadThroughPipeAsync(frames[..cut], random, inBatches: cut % 2 == 0);

                // The frames that end before the cut arrive; a cut between frames is a clean end, any other is GRID6003.
                int whole = ends.Count(end => end <= cut);
                string? code = ends.Contains(cut) ? null : ProtocolErrors.Truncated;
                Assert.Equal(new DecodeOutcome(whole, code, 0), outcome);
                cases++;
            }
        }

        output.WriteLine($"{cases} truncated streams over a pipe");
    }

    /// <summary>Streams of one to three valid frames with small tails, and where each frame starts.</summary>
    private static List<(byte[] Frames, int[] Starts)> Corpus(int seed)
    {
        var generator = new MessageGenerator(seed) { MaxTailBytes = 600 };
        var corpus = new List<(byte[], int[])>();
        for (int i = 0; i < 96; i++)
        {
            var kind = MessageGenerator.Kinds[i % MessageGenerator.Kinds.Length];
            var messages = new List<IMessage> { generator.Next(kind) };
            while (i % 3 != 0 && messages.Count < 1 + (i % 3))
            {
                messages.Add(generator.Next());
            }

            var frames = messages.Select(FrameWriter.ToArray).ToList();
            var starts = new int[frames.Count];
            for (int f = 1; f < frames.Count; f++)
            {
                starts[f] = starts[f - 1] + frames[f - 1].Length;
            }

            corpus.Add((frames.SelectMany(frame => frame).ToArray(), starts));
        }

        return corpus;
    }

    /// <summary>Bytes taken by the whole frames inside the first <paramref name="cut"/> bytes of a stream.</summary>
    private static int FrameLengthsBefore(byte[] frames, int cut)
    {
        int position = 0;
        while (cut - position >= Protocol.HeaderBytes)
        {
            int length = Protocol.HeaderBytes + (int)BinaryPrimitives.ReadUInt32LittleEndian(frames.AsSpan(position));
            if (position + length > cut)
            {
                break;
            }

            position += length;
        }

        return position;
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 64)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>One to three mutations: header fields first (where frames really start), then any bytes.</summary>
    private static byte[] Mutate((byte[] Frames, int[] Starts) entry, Random random)
    {
        var bytes = new List<byte>(entry.Frames);
        int start = entry.Starts[random.Next(entry.Starts.Length)];
        switch (random.Next(4))
        {
            case 0:
                var length = BitConverter.GetBytes(SpecialLengths[random.Next(SpecialLengths.Length)]);
                if (!BitConverter.IsLittleEndian)
                {
                    Array.Reverse(length);
                }

                bytes.RemoveRange(start, 4);
                bytes.InsertRange(start, length);
                break;
            case 1:
                bytes[start + 4] = (byte)random.Next(256);
                break;
            default:
                break;
        }

        for (int n = random.Next(1, 4); n > 0 && bytes.Count > 0; n--)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                case 1:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 3:
                    // A u16 of random value: most often lands on, or across, a string's length.
                    bytes[at] = (byte)random.Next(256);
                    bytes[Math.Min(at + 1, bytes.Count - 1)] = (byte)random.Next(256);
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 5:
                    var extra = new byte[random.Next(1, 8)];
                    random.NextBytes(extra);
                    bytes.InsertRange(at, extra);
                    break;
                default:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
            }
        }

        return [.. bytes];
    }
}

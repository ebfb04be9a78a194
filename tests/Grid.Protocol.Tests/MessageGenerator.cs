using System.Text;
using Grid.Protocol.Messages;

namespace Grid.Protocol.Tests;

/// <summary>
/// Random valid messages from a seeded <see cref="Random"/>, so a failure names a seed that reproduces it.
/// Numbers lean towards the edges (0, 1, max); strings mix ASCII, control characters, the rest of the BMP
/// and surrogate pairs; tails are mostly small, sometimes large.
/// </summary>
internal sealed class MessageGenerator
{
    public static readonly FrameKind[] Kinds = Enum.GetValues<FrameKind>();

    private readonly Random _random;

    public MessageGenerator(int seed)
    {
        _random = new Random(seed);
    }

    /// <summary>The largest tail <see cref="Next"/> makes; big enough to cross pipe segments, small enough to stay fast.</summary>
    public int MaxTailBytes { get; init; } = 256 * 1024;

    public Random Random => _random;

    public IMessage Next() => Next(Kinds[_random.Next(Kinds.Length)]);

    public IMessage Next(FrameKind kind) => kind switch
    {
        FrameKind.Hello => new Hello(UInt16(), UInt16(), (ushort)Math.Max(1, (int)UInt16()), UInt32(), Text(), Text(), Text()),
        FrameKind.Welcome => new Welcome(UInt16(), UInt32(), UInt32(), Text(), Text()),
        FrameKind.Task => new TaskMessage(UInt64(), UInt32(), UInt32(), Text(Protocol.MaxTaskIdBytes), Bytes(MaxTailBytes)),
        FrameKind.Cancel => new Cancel(UInt64(), UInt32(), _random.Next(2) == 0 ? CancelReason.Timeout : CancelReason.Withdrawn),
        FrameKind.Started => new Started(UInt64(), UInt32()),
        FrameKind.Result => new Result(UInt64(), UInt32(), (Outcome)_random.Next(3), UInt64(), Bytes(MaxTailBytes)),
        FrameKind.Ack => new Ack(Enumerable.Range(0, _random.Next(5) == 0 ? _random.Next(0, 2000) : _random.Next(0, 8)).Select(_ => (UInt64(), UInt32())).ToArray()),
        FrameKind.Log => new Log(UInt64(), UInt32(), (LogSource)_random.Next(1, 4), Bytes(Math.Min(MaxTailBytes, Protocol.MaxLogChunkBytes))),
        FrameKind.Heartbeat => Heartbeat.Instance,
        FrameKind.Drain => new Drain(UInt32(), Text()),
        FrameKind.Shutdown => Shutdown.Instance,
        FrameKind.Goodbye => new Goodbye(Text(), Text()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a message kind"),
    };

    public ushort UInt16() => (ushort)Edge(ushort.MaxValue);

    public uint UInt32() => (uint)Edge(uint.MaxValue);

    public ulong UInt64() => Edge(ulong.MaxValue);

    /// <summary>A string whose UTF-8 form fits <paramref name="maxBytes"/>; usually short, now and then long.</summary>
    public string Text(int maxBytes = Protocol.MaxStringBytes)
    {
        int roll = _random.Next(100);
        int chars = roll switch
        {
            < 10 => 0,
            < 85 => _random.Next(1, 24),
            < 99 => _random.Next(24, 600),
            _ => _random.Next(600, 70_000),
        };

        var builder = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < chars; i++)
        {
            var rune = NextRune();
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            builder.Append(rune.ToString());
            bytes += rune.Utf8SequenceLength;
        }

        return builder.ToString();
    }

    public byte[] Bytes(int maxBytes)
    {
        int roll = _random.Next(100);
        int length = roll switch
        {
            < 15 => 0,
            < 80 => _random.Next(1, 64),
            < 97 => _random.Next(64, 4096),
            _ => _random.Next(4096, Math.Max(4096, maxBytes) + 1),
        };

        // Lengths past a small limit land on the limit itself, an edge worth hitting often.
        var bytes = new byte[Math.Min(length, maxBytes)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private ulong Edge(ulong max)
    {
        ulong value = _random.Next(8) switch
        {
            0 => 0,
            1 => 1,
            2 => max,
            3 => max - 1,
            4 => max / 2 + 1,
            _ => (ulong)_random.NextInt64() ^ ((ulong)_random.Next(2) << 63),
        };
        return max == ulong.MaxValue ? value : value % (max + 1);
    }

    private Rune NextRune() => _random.Next(10) switch
    {
        // Control characters, NUL included: strings are length-prefixed, not terminated.
        0 => new Rune(_random.Next(0, 0x20)),
        < 5 => new Rune(_random.Next(0x20, 0x7F)),
        < 7 => new Rune(_random.Next(0x80, 0x800)),
        < 9 => NextBmpRune(),
        _ => new Rune(_random.Next(0x10000, 0x110000)),
    };

    private Rune NextBmpRune()
    {
        int value = _random.Next(0x800, 0x10000 - 0x800);
        return new Rune(value < 0xD800 ? value : value + 0x800);
    }
}

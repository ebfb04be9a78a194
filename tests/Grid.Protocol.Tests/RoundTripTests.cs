using System.Buffers.Binary;
using System.Text;
using Grid.Protocol.Messages;

namespace Grid.Protocol.Tests;

/// <summary>decode(encode(m)) equals m for every message kind, at the edges of every field.</summary>
public sealed class RoundTripTests
{
    private const string Unicode = "tâche-κλειδί-任务-🛰️-\u0000-\u200D-\uFFFD";

    // 65,535 UTF-8 bytes each: the longest a string field can be, in one-, three- and four-byte characters.
    private static readonly string LongestAscii = new('a', Protocol.MaxStringBytes);
    private static readonly string LongestThreeByte = string.Concat(Enumerable.Repeat("€", Protocol.MaxStringBytes / 3));
    private static readonly string LongestTaskId = string.Concat(Enumerable.Repeat("😀", Protocol.MaxTaskIdBytes / 4));

    [Fact]
    public void HelloRoundTripsAtTheEdges()
    {
        RoundTrip(new Hello(0, 0, 1, 0, "", "", ""));
        RoundTrip(new Hello(ushort.MaxValue, ushort.MaxValue, ushort.MaxValue, uint.MaxValue, Unicode, Unicode, Unicode));
        RoundTrip(new Hello(Protocol.Version, Protocol.Version, 8, 4242, LongestAscii, LongestThreeByte, LongestAscii));
    }

    [Fact]
    public void WelcomeRoundTripsAtTheEdges()
    {
        RoundTrip(new Welcome(0, 0, 0, "", ""));
        RoundTrip(new Welcome(ushort.MaxValue, uint.MaxValue, uint.MaxValue, Unicode, Unicode));
        RoundTrip(new Welcome(Protocol.Version, 1000, 15000, LongestThreeByte, LongestAscii));
    }

    [Fact]
    public void TaskRoundTripsAtTheEdges()
    {
        RoundTrip(new TaskMessage(0, 0, 0, "", ReadOnlyMemory<byte>.Empty));
        RoundTrip(new TaskMessage(ulong.MaxValue, uint.MaxValue, uint.MaxValue, Unicode, Encoding.UTF8.GetBytes("{\"tile\":\"" + Unicode + "\"}")));
        RoundTrip(new TaskMessage(1, 1, 30_000, LongestTaskId, new byte[] { 0, 0xFF, 0 }));
    }

    [Fact]
    public void TaskFramesWrittenFromTheirPartsAreTheBytesOfTheMessage()
    {
        TaskMessage[] tasks =
        [
            new(0, 0, 0, "", ReadOnlyMemory<byte>.Empty),
            new(ulong.MaxValue, uint.MaxValue, uint.MaxValue, Unicode, Encoding.UTF8.GetBytes("{\"tile\":\"" + Unicode + "\"}")),
            new(1, 1, 30_000, LongestTaskId, new byte[] { 0, 0xFF, 0 }),
        ];
        foreach (var task in tasks)
        {
            var parts = new System.Buffers.ArrayBufferWriter<byte>();
            FrameWriter.WriteTask(parts, task.Key, task.Attempt, task.TimeoutMilliseconds, Encoding.UTF8.GetBytes(task.TaskId), task.Input.Span);
            Assert.Equal(FrameWriter.ToArray(task), parts.WrittenSpan.ToArray());
        }

        var tooBig = new byte[Protocol.MaxPayloadBytes];
        var error = Assert.Throws<ArgumentException>(() => FrameWriter.WriteTask(new System.Buffers.ArrayBufferWriter<byte>(), 1, 1, 0, "t"u8, tooBig));
        Assert.StartsWith(ProtocolErrors.Oversize, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFrameWrittenAsItsHeadThenItsTailIsTheBytesOfTheMessage()
    {
        IMessage[] messages =
        [
            new Result(7, 2, Outcome.Succeeded, 1234, Encoding.UTF8.GetBytes("\"" + new string('x', 200_000) + "\"")),
            new Result(ulong.MaxValue, uint.MaxValue, Outcome.Failed, ulong.MaxValue, ReadOnlyMemory<byte>.Empty),
            new Log(3, 1, LogSource.Out, Encoding.UTF8.GetBytes(Unicode)),
        ];
        foreach (var message in messages)
        {
            var head = new System.Buffers.ArrayBufferWriter<byte>();
            FrameWriter.WriteHead(head, message);
            byte[] written = [.. head.WrittenSpan, .. message.Tail.Span];
            Assert.Equal(FrameWriter.ToArray(message), written);
        }
    }

    [Fact]
    public void TaskRoundTripsWithATailThatFillsTheFrameToTheLimit()
    {
        var task = new TaskMessage(ulong.MaxValue, 2, 0, "big", ReadOnlyMemory<byte>.Empty);
        var input = RandomBytes(Protocol.MaxPayloadBytes - task.FieldsSize, seed: 1);
        var frame = RoundTrip(task with { Input = input });
        Assert.Equal(Protocol.HeaderBytes + Protocol.MaxPayloadBytes, frame.Length);
    }

    [Fact]
    public void CancelRoundTripsAtTheEdges()
    {
        RoundTrip(new Cancel(0, 0, CancelReason.Timeout));
        RoundTrip(new Cancel(ulong.MaxValue, uint.MaxValue, CancelReason.Withdrawn));
    }

    [Fact]
    public void StartedRoundTripsAtTheEdges()
    {
        RoundTrip(new Started(0, 0));
        RoundTrip(new Started(ulong.MaxValue, uint.MaxValue));
        RoundTrip(new Started(long.MaxValue, int.MaxValue));
    }

    [Fact]
    public void ResultRoundTripsWithEveryOutcomeAtTheEdges()
    {
        foreach (var outcome in Enum.GetValues<Outcome>())
        {
            RoundTrip(new Result(0, 0, outcome, 0, ReadOnlyMemory<byte>.Empty));
            RoundTrip(new Result(ulong.MaxValue, uint.MaxValue, outcome, ulong.MaxValue, Encoding.UTF8.GetBytes(Unicode)));
        }

        var error = """{"type":"System.InvalidOperationException","message":"tile 7 is empty","stack":"   at Handler.Run()"}""";
        RoundTrip(new Result(7, 3, Outcome.Failed, 1_500, Encoding.UTF8.GetBytes(error)));
    }

    [Fact]
    public void ResultRoundTripsWithABodyThatFillsTheFrameToTheLimit()
    {
        var result = new Result(1, 1, Outcome.Succeeded, 12, ReadOnlyMemory<byte>.Empty);
        var body = RandomBytes(Protocol.MaxPayloadBytes - result.FieldsSize, seed: 2);
        var frame = RoundTrip(result with { Body = body });
        Assert.Equal(Protocol.HeaderBytes + Protocol.MaxPayloadBytes, frame.Length);
    }

    [Fact]
    public void AckRoundTripsEmptyAtTheEdgesAndFull()
    {
        RoundTrip(new Ack([]));
        RoundTrip(new Ack([(0, 0), (ulong.MaxValue, uint.MaxValue), (7, 3)]));
        RoundTrip(new Ack(Enumerable.Range(0, Ack.MaxResults).Select(i => ((ulong)i, (uint)i)).ToArray()));
    }

    [Fact]
    public void AckWhoseCountDisagreesWithItsLengthIsMalformed()
    {
        var frame = FrameWriter.ToArray(new Ack([(1, 1), (2, 1)]));
        frame[Protocol.HeaderBytes] = 3;
        var error = Assert.Throws<ProtocolException>(() => FrameDecoder.Decode(FrameKind.Ack, frame.AsSpan(Protocol.HeaderBytes)));
        Assert.Equal(ProtocolErrors.Malformed, error.Code);
    }

    [Fact]
    public void LogRoundTripsWithEverySourceAtTheEdges()
    {
        foreach (var source in Enum.GetValues<LogSource>())
        {
            RoundTrip(new Log(0, 0, source, ReadOnlyMemory<byte>.Empty));
            RoundTrip(new Log(ulong.MaxValue, uint.MaxValue, source, Encoding.UTF8.GetBytes(Unicode + "\n")));
        }

        RoundTrip(new Log(5, 1, LogSource.Out, RandomBytes(Protocol.MaxLogChunkBytes, seed: 3)));
    }

    [Fact]
    public void HeartbeatAndShutdownAreHeaderOnlyFrames()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0x30 }, RoundTrip(Heartbeat.Instance));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0x32 }, RoundTrip(Shutdown.Instance));
    }

    [Fact]
    public void DrainRoundTripsAtTheEdges()
    {
        RoundTrip(new Drain(0, ""));
        RoundTrip(new Drain(uint.MaxValue, Unicode));
        RoundTrip(new Drain(120_000, LongestThreeByte));
    }

    [Fact]
    public void GoodbyeRoundTripsAtTheEdges()
    {
        RoundTrip(new Goodbye("", ""));
        RoundTrip(new Goodbye(ProtocolErrors.Version, Unicode));
        RoundTrip(new Goodbye(LongestAscii, LongestThreeByte));
    }

    [Fact]
    public void EveryKindHasARoundTripHere()
    {
        // A new kind must get a Fact above and a case in MessageAssert and MessageGenerator.
        var covered = new[]
        {
            FrameKind.Hello, FrameKind.Welcome, FrameKind.Task, FrameKind.Cancel, FrameKind.Started, FrameKind.Result,
            FrameKind.Ack, FrameKind.Log, FrameKind.Heartbeat, FrameKind.Drain, FrameKind.Shutdown, FrameKind.Goodbye,
        };
        Assert.Equal(covered.Order(), Enum.GetValues<FrameKind>().Order());
    }

    [Fact]
    public void AFrameOverTheLimitIsRefusedWhenEncoded()
    {
        var task = new TaskMessage(1, 1, 0, "t", ReadOnlyMemory<byte>.Empty);
        var oversize = task with { Input = new byte[Protocol.MaxPayloadBytes - task.FieldsSize + 1] };
        var error = Assert.Throws<ArgumentException>(() => FrameWriter.ToArray(oversize));
        Assert.StartsWith(ProtocolErrors.Oversize, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStringOverTheFieldLimitIsRefusedWhenEncoded()
    {
        Assert.Throws<ArgumentException>(() => FrameWriter.ToArray(new Goodbye(LongestAscii + "a", "")));
        Assert.Throws<ArgumentException>(() => FrameWriter.ToArray(new Drain(0, LongestThreeByte + "€")));
    }

    /// <summary>Encodes, checks the header, decodes from one segment and from several, and compares.</summary>
    private static byte[] RoundTrip(IMessage message)
    {
        var frame = FrameWriter.ToArray(message);
        Assert.Equal(Protocol.HeaderBytes + message.FieldsSize + message.Tail.Length, frame.Length);
        Assert.Equal((uint)(frame.Length - Protocol.HeaderBytes), BinaryPrimitives.ReadUInt32LittleEndian(frame));
        Assert.Equal((byte)message.Kind, frame[4]);

        MessageAssert.Same(message, Frames.DecodeOne(frame));
        MessageAssert.Same(message, Frames.DecodeOne(frame, new Random(frame.Length)));
        return frame;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

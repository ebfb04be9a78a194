using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Reflection;
using System.Text;
using Grid.Protocol.Messages;

namespace Grid.Protocol.Tests;

/// <summary>Each way a peer can break the protocol fails loudly with its own GRID6xxx code.</summary>
public sealed class ProtocolErrorTests
{
    [Fact]
    public void OversizeLengthIsRefusedAtTheHeader()
    {
        foreach (uint length in new uint[] { uint.MaxValue, Protocol.MaxPayloadBytes + 1, int.MaxValue, 0x8000_0000 })
        {
            // Only the five header bytes exist: the refusal cannot have waited for, or buffered, a payload.
            var buffer = new ReadOnlySequence<byte>(Header(length, FrameKind.Task));
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<ProtocolException>(() => FrameDecoder.TryReadFrame(ref buffer, out _, out _));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(ProtocolErrors.Oversize, error.Code);
            Assert.True(allocated < 16 * 1024, $"refusing a {length}-byte length allocated {allocated} bytes.");
        }
    }

    [Fact]
    public async Task OversizeLengthIsRefusedOverAPipeBeforeAnyPayloadArrives()
    {
        foreach (bool inBatches in new[] { false, true })
        {
            var pipe = new Pipe();
            await pipe.Writer.WriteAsync(Header(0xFFFF_FFFF, FrameKind.Result));

            // The writer stays open and sends nothing more; only the header can have caused the error.
            var reader = new FrameReader(pipe.Reader);
            var error = await Assert.ThrowsAsync<ProtocolException>(() => ReadAsync(reader, inBatches));
            Assert.Equal(ProtocolErrors.Oversize, error.Code);
        }
    }

    [Fact]
    public void LengthAtTheLimitWaitsForThePayload()
    {
        var header = Header(Protocol.MaxPayloadBytes, FrameKind.Task);
        var buffer = new ReadOnlySequence<byte>(header);
        Assert.False(FrameDecoder.TryReadFrame(ref buffer, out _, out _));
        Assert.Equal(header.Length, buffer.Length);
    }

    [Fact]
    public async Task UnknownKindIsRefusedAtTheHeader()
    {
        int undefined = 0;
        for (int kind = 0; kind <= byte.MaxValue; kind++)
        {
            if (FrameKinds.IsDefined((byte)kind))
            {
                continue;
            }

            undefined++;
            foreach (uint length in new uint[] { 0, 13, Protocol.MaxPayloadBytes })
            {
                var buffer = new ReadOnlySequence<byte>(Header(length, (FrameKind)kind));
                var error = Assert.Throws<ProtocolException>(() => FrameDecoder.TryReadFrame(ref buffer, out _, out _));
                Assert.Equal(ProtocolErrors.UnknownKind, error.Code);
            }
        }

        Assert.Equal(256 - Enum.GetValues<FrameKind>().Length, undefined);

        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Header(Protocol.MaxPayloadBytes, (FrameKind)0x7E));
        var fromPipe = await Assert.ThrowsAsync<ProtocolException>(() => ReadAsync(new FrameReader(pipe.Reader), inBatches: false));
        Assert.Equal(ProtocolErrors.UnknownKind, fromPipe.Code);
    }

    [Fact]
    public void DecodingAKindOutsideTheEnumIsAnUnknownKind()
    {
        var error = Assert.Throws<ProtocolException>(() => FrameDecoder.Decode((FrameKind)0x77, ReadOnlySpan<byte>.Empty));
        Assert.Equal(ProtocolErrors.UnknownKind, error.Code);
    }

    [Fact]
    public async Task EndOfStreamInsideAFrameIsTruncated()
    {
        var first = new Started(1, 1);
        var stream = Frames.Encode([first, new TaskMessage(2, 1, 0, "t-2", Encoding.UTF8.GetBytes("{}"))]);
        int firstLength = FrameWriter.ToArray(first).Length;

        // Every cut inside the second frame: its header, its fields, its tail.
        for (int cut = firstLength + 1; cut < stream.Length; cut++)
        {
            foreach (bool inBatches in new[] { false, true })
            {
                var pipe = new Pipe();
                await pipe.Writer.WriteAsync(stream.AsMemory(0, cut));
                await pipe.Writer.CompleteAsync();

                var reader = new FrameReader(pipe.Reader);
                var messages = new List<IMessage>();
                var error = await Assert.ThrowsAsync<ProtocolException>(() => inBatches
                    ? Frames.ReadAllInBatchesAsync(reader, messages)
                    : Frames.ReadAllOneByOneAsync(reader, messages));

                Assert.Equal(ProtocolErrors.Truncated, error.Code);
                MessageAssert.SameSequence([first], messages);
            }
        }
    }

    [Fact]
    public async Task CleanEndOfStreamBetweenFramesIsNotAnError()
    {
        var pipe = new Pipe();
        await pipe.Writer.CompleteAsync();
        Assert.Null(await new FrameReader(pipe.Reader).ReadOneAsync());

        pipe = new Pipe();
        await pipe.Writer.CompleteAsync();
        Assert.False(await new FrameReader(pipe.Reader).ReadBatchAsync(_ => Assert.Fail("no message was sent.")));

        pipe = new Pipe();
        await pipe.Writer.WriteAsync(FrameWriter.ToArray(Heartbeat.Instance));
        await pipe.Writer.CompleteAsync();
        var reader = new FrameReader(pipe.Reader);
        Assert.IsType<Heartbeat>(await reader.ReadOneAsync());
        Assert.Null(await reader.ReadOneAsync());
    }

    [Fact]
    public void PayloadShorterThanItsKindIsMalformed()
    {
        var messages = new IMessage[]
        {
            new Hello(1, 1, 1, 1, "", "", ""), new Welcome(1, 1, 1, "", ""), new TaskMessage(1, 1, 1, "", default),
            new Cancel(1, 1, CancelReason.Timeout), new Started(1, 1), new Result(1, 1, Outcome.Succeeded, 1, default),
            new Log(1, 1, LogSource.Out, default), new Drain(1, ""), new Goodbye("", ""),
        };
        foreach (var message in messages)
        {
            var payload = FrameWriter.ToArray(message).AsSpan(Protocol.HeaderBytes);
            for (int length = 0; length < payload.Length; length++)
            {
                AssertMalformed(message.Kind, payload[..length].ToArray());
            }
        }
    }

    [Fact]
    public void TrailingBytesAfterFixedFieldsAreMalformed()
    {
        var messages = new IMessage[]
        {
            new Hello(1, 1, 1, 1, "w", "r", ""), new Welcome(1, 1, 1, "run", "w1"), new Cancel(1, 1, CancelReason.Withdrawn),
            new Started(1, 1), Heartbeat.Instance, new Drain(1, "spot"), Shutdown.Instance, new Goodbye(ProtocolErrors.Malformed, "bad"),
        };
        foreach (var message in messages)
        {
            var payload = FrameWriter.ToArray(message)[Protocol.HeaderBytes..];
            AssertMalformed(message.Kind, [.. payload, 0]);
        }
    }

    [Fact]
    public void StringLengthRunningPastThePayloadIsMalformed()
    {
        // Goodbye: str code · str message. The code claims 10 bytes but 3 follow.
        AssertMalformed(FrameKind.Goodbye, [10, 0, (byte)'a', (byte)'b', (byte)'c']);
        AssertMalformed(FrameKind.Goodbye, [0xFF, 0xFF]);
        AssertMalformed(FrameKind.Goodbye, [0]);
    }

    [Fact]
    public void StringThatIsNotUtf8IsMalformed()
    {
        byte[][] invalid =
        [
            [0xC3, 0x28],             // a lead byte followed by ASCII
            [0xC0, 0xAF],             // overlong '/'
            [0xED, 0xA0, 0x80],       // an encoded surrogate
            [0xF4, 0x90, 0x80, 0x80], // past U+10FFFF
            [0xFF],
            [0xE2, 0x82],             // cut inside a character
        ];
        foreach (var bytes in invalid)
        {
            AssertMalformed(FrameKind.Goodbye, [(byte)bytes.Length, 0, .. bytes, 0, 0]);
            AssertMalformed(FrameKind.Drain, [0, 0, 0, 0, (byte)bytes.Length, 0, .. bytes]);
        }
    }

    [Fact]
    public void HelloWithZeroSlotsIsMalformed()
    {
        var payload = FrameWriter.ToArray(new Hello(1, 1, 1, 7, "w", "r", ""))[Protocol.HeaderBytes..];
        BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(4), 0);
        AssertMalformed(FrameKind.Hello, payload);
    }

    [Fact]
    public void CancelWithAnUnknownReasonIsMalformed()
    {
        foreach (byte reason in new byte[] { 0, 3, 0xFF })
        {
            var payload = FrameWriter.ToArray(new Cancel(9, 2, CancelReason.Timeout))[Protocol.HeaderBytes..];
            payload[12] = reason;
            AssertMalformed(FrameKind.Cancel, payload);
        }
    }

    [Fact]
    public void ResultWithAnUnknownOutcomeIsMalformed()
    {
        foreach (byte outcome in new byte[] { 3, 0x80, 0xFF })
        {
            var payload = FrameWriter.ToArray(new Result(9, 2, Outcome.Failed, 5, new byte[] { 1, 2 }))[Protocol.HeaderBytes..];
            payload[12] = outcome;
            AssertMalformed(FrameKind.Result, payload);
        }
    }

    [Fact]
    public void LogWithAnUnknownSourceIsMalformed()
    {
        foreach (byte source in new byte[] { 0, 4, 0xFF })
        {
            var payload = FrameWriter.ToArray(new Log(9, 2, LogSource.Error, new byte[] { 1, 2 }))[Protocol.HeaderBytes..];
            payload[12] = source;
            AssertMalformed(FrameKind.Log, payload);
        }
    }

    [Fact]
    public void LogTextOverTheChunkLimitIsMalformed()
    {
        var log = new Log(1, 1, LogSource.Out, new byte[Protocol.MaxLogChunkBytes + 1]);
        AssertMalformed(FrameKind.Log, FrameWriter.ToArray(log)[Protocol.HeaderBytes..]);
    }

    [Fact]
    public void TaskIdOverItsLimitIsMalformed()
    {
        var atLimit = new TaskMessage(1, 1, 0, new string('t', Protocol.MaxTaskIdBytes), new byte[] { 1 });
        MessageAssert.Same(atLimit, Frames.DecodeOne(FrameWriter.ToArray(atLimit)));

        var overLimit = atLimit with { TaskId = atLimit.TaskId + "€" };
        AssertMalformed(FrameKind.Task, FrameWriter.ToArray(overLimit)[Protocol.HeaderBytes..]);
    }

    [Fact]
    public void ErrorCodesAreDistinctAndInTheProtocolRange()
    {
        var codes = ErrorCodes();
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, code => Assert.Matches("^GRID6[0-9]{3}$", code));
        Assert.Contains(ProtocolErrors.Malformed, codes);
    }

    [Fact]
    public void ProtocolExceptionCarriesItsCodeInItsMessage()
    {
        var error = new ProtocolException(ProtocolErrors.Truncated, "the stream ended.");
        Assert.Equal(ProtocolErrors.Truncated, error.Code);
        Assert.Equal("GRID6003: the stream ended.", error.Message);
    }

    internal static IReadOnlyList<string> ErrorCodes() =>
        typeof(ProtocolErrors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => (string)field.GetRawConstantValue()!)
            .ToList();

    private static void AssertMalformed(FrameKind kind, byte[] payload)
    {
        var error = Assert.Throws<ProtocolException>(() => FrameDecoder.Decode(kind, payload));
        Assert.Equal(ProtocolErrors.Malformed, error.Code);

        // The same payload inside a whole frame, as a receiver meets it.
        var frame = new ReadOnlySequence<byte>([.. Header((uint)payload.Length, kind), .. payload]);
        Assert.True(FrameDecoder.TryReadFrame(ref frame, out var framedKind, out var framedPayload));
        error = Assert.Throws<ProtocolException>(() => FrameDecoder.Decode(framedKind, framedPayload));
        Assert.Equal(ProtocolErrors.Malformed, error.Code);
    }

    private static byte[] Header(uint length, FrameKind kind)
    {
        var header = new byte[Protocol.HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        header[4] = (byte)kind;
        return header;
    }

    private static async Task ReadAsync(FrameReader reader, bool inBatches)
    {
        if (inBatches)
        {
            await reader.ReadBatchAsync(_ => { }).AsTask().WaitAsync(Frames.ReadBound);
        }
        else
        {
            await reader.ReadOneAsync().AsTask().WaitAsync(Frames.ReadBound);
        }
    }
}

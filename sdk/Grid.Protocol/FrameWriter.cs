using System.Buffers;
using System.Buffers.Binary;

namespace Grid.Protocol;

/// <summary>Encodes messages as frames: u32 payload length (little-endian) · u8 kind · payload.</summary>
public static class FrameWriter
{
    /// <summary>Appends one frame to <paramref name="output"/>; nothing is flushed.</summary>
    /// <exception cref="ArgumentException">The payload is over <see cref="Protocol.MaxPayloadBytes"/>.</exception>
    public static void Write(IBufferWriter<byte> output, IMessage message)
    {
        WriteHead(output, message);
        WriteTail(output, message.Tail.Span);
    }

    /// <summary>
    /// Appends a frame's header and fields but not its tail: the caller writes the tail next, itself (a large body
    /// straight to the stream rather than copied into a buffer). The header counts the tail in the payload's length.
    /// </summary>
    public static void WriteHead(IBufferWriter<byte> output, IMessage message)
    {
        int fields = message.FieldsSize;
        message.WriteFields(Begin(output, message.Kind, fields, message.Tail.Length));
        output.Advance(Protocol.HeaderBytes + fields);
    }

    /// <summary>
    /// Appends a Task frame from its parts, with no message made: the head's dispatch path, once per attempt. The
    /// same bytes as <see cref="Write"/> of a <see cref="Messages.TaskMessage"/> with that id.
    /// </summary>
    public static void WriteTask(IBufferWriter<byte> output, ulong key, uint attempt, uint timeoutMilliseconds, ReadOnlySpan<byte> taskIdUtf8, ReadOnlySpan<byte> input)
    {
        int fields = 8 + 4 + 4 + 2 + taskIdUtf8.Length;
        var writer = new PayloadWriter(Begin(output, FrameKind.Task, fields, input.Length));
        writer.WriteUInt64(key);
        writer.WriteUInt32(attempt);
        writer.WriteUInt32(timeoutMilliseconds);
        writer.WriteUtf8(taskIdUtf8);
        output.Advance(Protocol.HeaderBytes + fields);
        WriteTail(output, input);
    }

    /// <summary>Checks the payload's size, writes the header and returns the span for the fields.</summary>
    private static Span<byte> Begin(IBufferWriter<byte> output, FrameKind kind, int fields, int tailLength)
    {
        long payload = (long)fields + tailLength;
        if (payload > Protocol.MaxPayloadBytes)
        {
            throw new ArgumentException(
                $"{ProtocolErrors.Oversize}: a {kind} frame of {payload} bytes is over the {Protocol.MaxPayloadBytes}-byte limit.",
                nameof(tailLength));
        }

        var span = output.GetSpan(Protocol.HeaderBytes + fields);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)payload);
        span[4] = (byte)kind;
        return span.Slice(Protocol.HeaderBytes, fields);
    }

    /// <summary>The tail after the fields; none asks the writer for no buffer (most frames a head and a worker send have none).</summary>
    private static void WriteTail(IBufferWriter<byte> output, ReadOnlySpan<byte> tail)
    {
        if (!tail.IsEmpty)
        {
            output.Write(tail);
        }
    }

    /// <summary>One frame as a new array (tests and tools).</summary>
    public static byte[] ToArray(IMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(Protocol.HeaderBytes + message.FieldsSize + message.Tail.Length);
        Write(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }
}

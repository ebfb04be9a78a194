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
        int fields = message.FieldsSize;
        var tail = message.Tail;
        long payload = (long)fields + tail.Length;
        if (payload > Protocol.MaxPayloadBytes)
        {
            throw new ArgumentException(
                $"{ProtocolErrors.Oversize}: a {message.Kind} frame of {payload} bytes is over the {Protocol.MaxPayloadBytes}-byte limit.",
                nameof(message));
        }

        var span = output.GetSpan(Protocol.HeaderBytes + fields);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)payload);
        span[4] = (byte)message.Kind;
        message.WriteFields(span.Slice(Protocol.HeaderBytes, fields));
        output.Advance(Protocol.HeaderBytes + fields);
        if (!tail.IsEmpty)
        {
            output.Write(tail.Span);
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

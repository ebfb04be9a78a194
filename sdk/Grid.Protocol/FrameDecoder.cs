using System.Buffers;
using System.Buffers.Binary;
using Grid.Protocol.Messages;

namespace Grid.Protocol;

/// <summary>
/// Cuts frames out of received bytes and decodes them into messages. A length over the limit or an unknown
/// kind fails at the header, before the payload is buffered, so a hostile peer can make it hold at most one
/// frame limit of memory.
/// </summary>
public static class FrameDecoder
{
    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/>. False when more bytes are needed.
    /// </summary>
    /// <exception cref="ProtocolException">GRID6001 for an oversize length, GRID6002 for an unknown kind.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out FrameKind kind, out ReadOnlySequence<byte> payload)
    {
        kind = default;
        payload = default;
        if (buffer.Length < Protocol.HeaderBytes)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[Protocol.HeaderBytes];
        buffer.Slice(0, Protocol.HeaderBytes).CopyTo(header);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        byte kindByte = header[4];
        if (length > Protocol.MaxPayloadBytes)
        {
            throw new ProtocolException(ProtocolErrors.Oversize,
                $"frame length {length} is over the {Protocol.MaxPayloadBytes}-byte limit.");
        }

        if (!FrameKinds.IsDefined(kindByte))
        {
            throw new ProtocolException(ProtocolErrors.UnknownKind, $"frame kind 0x{kindByte:X2} is not defined by protocol version {Protocol.Version}.");
        }

        if (buffer.Length < Protocol.HeaderBytes + length)
        {
            return false;
        }

        kind = (FrameKind)kindByte;
        payload = buffer.Slice(Protocol.HeaderBytes, length);
        buffer = buffer.Slice(Protocol.HeaderBytes + length);
        return true;
    }

    /// <summary>Decodes a payload of the given kind.</summary>
    /// <exception cref="ProtocolException">GRID6004 when the payload does not fit the kind's layout.</exception>
    public static IMessage Decode(FrameKind kind, ReadOnlySpan<byte> payload) => kind switch
    {
        FrameKind.Hello => Hello.Read(payload),
        FrameKind.Welcome => Welcome.Read(payload),
        FrameKind.Task => TaskMessage.Read(payload),
        FrameKind.Cancel => Cancel.Read(payload),
        FrameKind.Started => Started.Read(payload),
        FrameKind.Result => Result.Read(payload),
        FrameKind.Ack => Ack.Read(payload),
        FrameKind.Log => Log.Read(payload),
        FrameKind.Heartbeat => Heartbeat.Read(payload),
        FrameKind.Drain => Drain.Read(payload),
        FrameKind.Shutdown => Shutdown.Read(payload),
        FrameKind.Goodbye => Goodbye.Read(payload),
        _ => throw new ProtocolException(ProtocolErrors.UnknownKind, $"frame kind 0x{(byte)kind:X2} is not defined."),
    };

    /// <summary>Decodes a payload that may span several buffer segments.</summary>
    public static IMessage Decode(FrameKind kind, in ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            return Decode(kind, payload.FirstSpan);
        }

        var rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        try
        {
            payload.CopyTo(rented);
            return Decode(kind, rented.AsSpan(0, (int)payload.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

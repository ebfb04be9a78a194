using System.Buffers.Binary;
using System.Text;

namespace Grid.Protocol;

/// <summary>Reads the fields of one payload. Every short read is a GRID6004 error, never an index exception.</summary>
public ref struct PayloadReader
{
    private readonly ReadOnlySpan<byte> _span;
    private readonly FrameKind _kind;
    private int _position;

    public PayloadReader(ReadOnlySpan<byte> span, FrameKind kind)
    {
        _span = span;
        _kind = kind;
        _position = 0;
    }

    public readonly int Remaining => _span.Length - _position;

    /// <summary>How many bytes have been read.</summary>
    public readonly int Position => _position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>A u16 length followed by that many UTF-8 bytes.</summary>
    public string ReadString()
    {
        int length = ReadUInt16();
        var bytes = Take(length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolException(ProtocolErrors.Malformed, $"{_kind} frame holds a string that is not valid UTF-8.");
        }
    }

    /// <summary>The rest of the payload, copied out of the receive buffer.</summary>
    public byte[] ReadRest()
    {
        var rest = _span[_position..].ToArray();
        _position = _span.Length;
        return rest;
    }

    /// <summary>Fails when fields were left unread: a frame longer than its kind allows is malformed.</summary>
    public readonly void End()
    {
        if (_position != _span.Length)
        {
            throw new ProtocolException(ProtocolErrors.Malformed,
                $"{_kind} frame has {_span.Length - _position} unexpected trailing bytes.");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _span.Length - _position)
        {
            throw new ProtocolException(ProtocolErrors.Malformed,
                $"{_kind} frame is too short: needed {count} more bytes at offset {_position} of {_span.Length}.");
        }

        var slice = _span.Slice(_position, count);
        _position += count;
        return slice;
    }

    internal static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

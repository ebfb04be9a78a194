using System.Buffers.Binary;

namespace Grid.Protocol;

/// <summary>Writes the fixed fields of one payload into a span sized by the message's own size computation.</summary>
public ref struct PayloadWriter
{
    private readonly Span<byte> _span;
    private int _position;

    public PayloadWriter(Span<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Written => _position;

    public void WriteByte(byte value) => _span[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_span[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_span[_position..], value);
        _position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_span[_position..], value);
        _position += 8;
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_span[_position..], value);
        _position += 8;
    }

    public void WriteString(string value)
    {
        int length = PayloadReader.StrictUtf8.GetBytes(value, _span[(_position + 2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(_span[_position..], checked((ushort)length));
        _position += 2 + length;
    }

    /// <summary>A string already in UTF-8: the same bytes as <see cref="WriteString"/> of its text.</summary>
    public void WriteUtf8(ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_span[_position..], checked((ushort)value.Length));
        value.CopyTo(_span[(_position + 2)..]);
        _position += 2 + value.Length;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_span[_position..]);
        _position += value.Length;
    }

    /// <summary>Bytes a string field takes on the wire; fails for strings over <see cref="Protocol.MaxStringBytes"/>.</summary>
    public static int SizeOf(string value)
    {
        int length = PayloadReader.StrictUtf8.GetByteCount(value);
        if (length > Protocol.MaxStringBytes)
        {
            throw new ArgumentException($"A string field holds at most {Protocol.MaxStringBytes} UTF-8 bytes; this one has {length}.", nameof(value));
        }

        return 2 + length;
    }
}

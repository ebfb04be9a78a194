namespace Grid.Protocol.Messages;

/// <summary>worker → head: a slot began the attempt; its timeout counts from here. Layout: u64 key · u32 attempt.</summary>
public sealed record Started(ulong Key, uint Attempt) : IMessage
{
    public ReadOnlyMemory<byte> Tail => default;

    public FrameKind Kind => FrameKind.Started;

    public int FieldsSize => 12;

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteUInt64(Key);
        writer.WriteUInt32(Attempt);
    }

    public static Started Read(ReadOnlySpan<byte> payload)
    {
        var (key, attempt) = ReadFields(payload);
        return new Started(key, attempt);
    }

    /// <summary>The fields alone, with no message made: the head's path, once per attempt.</summary>
    public static (ulong Key, uint Attempt) ReadFields(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Started);
        var fields = (reader.ReadUInt64(), reader.ReadUInt32());
        reader.End();
        return fields;
    }
}

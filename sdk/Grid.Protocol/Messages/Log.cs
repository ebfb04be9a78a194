namespace Grid.Protocol.Messages;

/// <summary>Where a log line came from.</summary>
public enum LogSource : byte
{
    /// <summary>Console.Out of the handler.</summary>
    Out = 1,

    /// <summary>Console.Error of the handler.</summary>
    Error = 2,

    /// <summary>The task context's logger.</summary>
    Logger = 3,
}

/// <summary>
/// worker → head: text written during an attempt. Layout: u64 key (0 = the worker itself, not a task) ·
/// u32 attempt · u8 stream · UTF-8 text (the rest; at most <see cref="Protocol.MaxLogChunkBytes"/>).
/// </summary>
public sealed record Log(ulong Key, uint Attempt, LogSource Source, ReadOnlyMemory<byte> Text) : IMessage
{
    public ReadOnlyMemory<byte> Tail => Text;

    public FrameKind Kind => FrameKind.Log;

    public int FieldsSize => 8 + 4 + 1;

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteUInt64(Key);
        writer.WriteUInt32(Attempt);
        writer.WriteByte((byte)Source);
    }

    public static Log Read(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Log);
        var key = reader.ReadUInt64();
        var attempt = reader.ReadUInt32();
        var source = (LogSource)reader.ReadByte();
        if (source is not (LogSource.Out or LogSource.Error or LogSource.Logger))
        {
            throw new ProtocolException(ProtocolErrors.Malformed, $"Log has unknown source {(byte)source}.");
        }

        if (reader.Remaining > Protocol.MaxLogChunkBytes)
        {
            throw new ProtocolException(ProtocolErrors.Malformed, $"Log text of {reader.Remaining} bytes is over the {Protocol.MaxLogChunkBytes}-byte chunk limit.");
        }

        return new Log(key, attempt, source, reader.ReadRest());
    }
}

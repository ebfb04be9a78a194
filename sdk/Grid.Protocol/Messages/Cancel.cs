namespace Grid.Protocol.Messages;

/// <summary>Why the head cancels an attempt.</summary>
public enum CancelReason : byte
{
    /// <summary>The attempt ran past its timeout.</summary>
    Timeout = 1,

    /// <summary>The head no longer needs the attempt (run stopping, or task withdrawn).</summary>
    Withdrawn = 2,
}

/// <summary>head → worker: stop an attempt. Layout: u64 key · u32 attempt · u8 reason.</summary>
public sealed record Cancel(ulong Key, uint Attempt, CancelReason Reason) : IMessage
{
    public ReadOnlyMemory<byte> Tail => default;

    public FrameKind Kind => FrameKind.Cancel;

    public int FieldsSize => 8 + 4 + 1;

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteUInt64(Key);
        writer.WriteUInt32(Attempt);
        writer.WriteByte((byte)Reason);
    }

    public static Cancel Read(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Cancel);
        var cancel = new Cancel(reader.ReadUInt64(), reader.ReadUInt32(), (CancelReason)reader.ReadByte());
        reader.End();
        if (cancel.Reason is not (CancelReason.Timeout or CancelReason.Withdrawn))
        {
            throw new ProtocolException(ProtocolErrors.Malformed, $"Cancel has unknown reason {(byte)cancel.Reason}.");
        }

        return cancel;
    }
}

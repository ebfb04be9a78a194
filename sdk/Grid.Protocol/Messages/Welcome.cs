namespace Grid.Protocol.Messages;

/// <summary>
/// head → worker, the answer to Hello. Layout: u16 version · u32 heartbeat interval ms · u32 lease ms ·
/// str run id · str worker id (the head's name for this worker).
/// </summary>
public sealed record Welcome(ushort Version, uint HeartbeatMilliseconds, uint LeaseMilliseconds, string RunId, string WorkerId) : IMessage
{
    public ReadOnlyMemory<byte> Tail => default;

    public FrameKind Kind => FrameKind.Welcome;

    public int FieldsSize => 2 + 4 + 4 + PayloadWriter.SizeOf(RunId) + PayloadWriter.SizeOf(WorkerId);

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteUInt16(Version);
        writer.WriteUInt32(HeartbeatMilliseconds);
        writer.WriteUInt32(LeaseMilliseconds);
        writer.WriteString(RunId);
        writer.WriteString(WorkerId);
    }

    public static Welcome Read(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Welcome);
        var welcome = new Welcome(reader.ReadUInt16(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadString(), reader.ReadString());
        reader.End();
        return welcome;
    }
}

namespace Grid.Protocol.Messages;

/// <summary>
/// worker → head, the first frame. Layout: u16 min version · u16 max version · u16 slots · u32 process id ·
/// str worker name · str runtime · str token (empty over stdio; the per-run token over TLS).
/// </summary>
public sealed record Hello(ushort MinVersion, ushort MaxVersion, ushort Slots, uint ProcessId, string WorkerName, string Runtime, string Token) : IMessage
{
    public ReadOnlyMemory<byte> Tail => default;

    public FrameKind Kind => FrameKind.Hello;

    public int FieldsSize => 2 + 2 + 2 + 4 + PayloadWriter.SizeOf(WorkerName) + PayloadWriter.SizeOf(Runtime) + PayloadWriter.SizeOf(Token);

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteUInt16(MinVersion);
        writer.WriteUInt16(MaxVersion);
        writer.WriteUInt16(Slots);
        writer.WriteUInt32(ProcessId);
        writer.WriteString(WorkerName);
        writer.WriteString(Runtime);
        writer.WriteString(Token);
    }

    public static Hello Read(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Hello);
        var hello = new Hello(reader.ReadUInt16(), reader.ReadUInt16(), reader.ReadUInt16(), reader.ReadUInt32(),
            reader.ReadString(), reader.ReadString(), reader.ReadString());
        reader.End();
        if (hello.Slots == 0)
        {
            throw new ProtocolException(ProtocolErrors.Malformed, "Hello declares 0 slots; a worker has at least one.");
        }

        return hello;
    }
}

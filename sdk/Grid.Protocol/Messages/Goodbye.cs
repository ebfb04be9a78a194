namespace Grid.Protocol.Messages;

/// <summary>either way: a protocol error, sent just before the sender closes. Layout: str code (GRID6xxx) · str message.</summary>
public sealed record Goodbye(string Code, string Message) : IMessage
{
    public ReadOnlyMemory<byte> Tail => default;

    public FrameKind Kind => FrameKind.Goodbye;

    public int FieldsSize => PayloadWriter.SizeOf(Code) + PayloadWriter.SizeOf(Message);

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteString(Code);
        writer.WriteString(Message);
    }

    public static Goodbye Read(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Goodbye);
        var goodbye = new Goodbye(reader.ReadString(), reader.ReadString());
        reader.End();
        return goodbye;
    }
}

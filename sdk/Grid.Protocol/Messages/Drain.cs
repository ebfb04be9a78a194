namespace Grid.Protocol.Messages;

/// <summary>
/// worker → head: this worker is going away (a spot interruption notice, or shutdown). It takes no new tasks;
/// the head requeues what it holds without charging their retry budgets. Layout: u32 milliseconds until the
/// machine stops · str reason.
/// </summary>
public sealed record Drain(uint DeadlineMilliseconds, string Reason) : IMessage
{
    public ReadOnlyMemory<byte> Tail => default;

    public FrameKind Kind => FrameKind.Drain;

    public int FieldsSize => 4 + PayloadWriter.SizeOf(Reason);

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteUInt32(DeadlineMilliseconds);
        writer.WriteString(Reason);
    }

    public static Drain Read(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Drain);
        var drain = new Drain(reader.ReadUInt32(), reader.ReadString());
        reader.End();
        return drain;
    }
}

namespace Grid.Protocol.Messages;

/// <summary>either way: I am alive. Layout: empty.</summary>
public sealed record Heartbeat : IMessage
{
    public static readonly Heartbeat Instance = new();

    public ReadOnlyMemory<byte> Tail => default;

    public FrameKind Kind => FrameKind.Heartbeat;

    public int FieldsSize => 0;

    public void WriteFields(Span<byte> destination)
    {
    }

    public static Heartbeat Read(ReadOnlySpan<byte> payload)
    {
        new PayloadReader(payload, FrameKind.Heartbeat).End();
        return Instance;
    }
}

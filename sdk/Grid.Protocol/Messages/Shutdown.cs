namespace Grid.Protocol.Messages;

/// <summary>head → worker: no more tasks are coming; finish the ones held and exit 0. Layout: empty.</summary>
public sealed record Shutdown : IMessage
{
    public static readonly Shutdown Instance = new();

    public ReadOnlyMemory<byte> Tail => default;

    public FrameKind Kind => FrameKind.Shutdown;

    public int FieldsSize => 0;

    public void WriteFields(Span<byte> destination)
    {
    }

    public static Shutdown Read(ReadOnlySpan<byte> payload)
    {
        new PayloadReader(payload, FrameKind.Shutdown).End();
        return Instance;
    }
}

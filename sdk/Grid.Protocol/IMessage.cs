namespace Grid.Protocol;

/// <summary>
/// A message: a frame kind and a payload layout (documented on each message type). A payload is fixed fields
/// followed, for Task, Result and Log, by a tail of opaque bytes that runs to the end of the frame.
/// </summary>
public interface IMessage
{
    /// <summary>The frame kind this message travels in.</summary>
    FrameKind Kind { get; }

    /// <summary>Bytes of the fixed fields.</summary>
    int FieldsSize { get; }

    /// <summary>The bytes after the fields (empty for most kinds).</summary>
    ReadOnlyMemory<byte> Tail { get; }

    /// <summary>Writes exactly <see cref="FieldsSize"/> bytes.</summary>
    void WriteFields(Span<byte> destination);
}

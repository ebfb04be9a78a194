namespace Grid.Protocol.Messages;

/// <summary>
/// head → worker: run one attempt of a task. Layout: u64 key · u32 attempt · u32 timeout ms (0 = none) ·
/// str task id · input bytes (the rest of the payload; UTF-8 JSON by convention, opaque to the protocol).
/// The key is the head's number for the task; (key, attempt) names this attempt in every later frame.
/// </summary>
public sealed record TaskMessage(ulong Key, uint Attempt, uint TimeoutMilliseconds, string TaskId, ReadOnlyMemory<byte> Input) : IMessage
{
    public ReadOnlyMemory<byte> Tail => Input;

    public FrameKind Kind => FrameKind.Task;

    public int FieldsSize => 8 + 4 + 4 + PayloadWriter.SizeOf(TaskId);

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteUInt64(Key);
        writer.WriteUInt32(Attempt);
        writer.WriteUInt32(TimeoutMilliseconds);
        writer.WriteString(TaskId);
    }

    public static TaskMessage Read(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Task);
        var key = reader.ReadUInt64();
        var attempt = reader.ReadUInt32();
        var timeout = reader.ReadUInt32();
        var taskId = reader.ReadString();
        int taskIdBytes = PayloadReader.StrictUtf8.GetByteCount(taskId);
        if (taskIdBytes > Protocol.MaxTaskIdBytes)
        {
            throw new ProtocolException(ProtocolErrors.Malformed, $"Task id of {taskIdBytes} bytes is over the {Protocol.MaxTaskIdBytes}-byte limit.");
        }

        return new TaskMessage(key, attempt, timeout, taskId, reader.ReadRest());
    }
}

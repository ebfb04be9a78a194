namespace Grid.Protocol.Messages;

/// <summary>How an attempt ended, as the worker saw it.</summary>
public enum Outcome : byte
{
    /// <summary>The handler returned; the body is its output as UTF-8 JSON.</summary>
    Succeeded = 0,

    /// <summary>The handler threw; the body is an error object (UTF-8 JSON: type, message, stack).</summary>
    Failed = 1,

    /// <summary>The handler stopped after the attempt was cancelled; the body is an error object.</summary>
    Cancelled = 2,
}

/// <summary>
/// worker → head: an attempt ended. Layout: u64 key · u32 attempt · u8 outcome · u64 run time in microseconds
/// (measured by the worker, from Started to the end of the handler) · body (the rest: output or error JSON).
/// </summary>
public sealed record Result(ulong Key, uint Attempt, Outcome Outcome, ulong RunMicroseconds, ReadOnlyMemory<byte> Body) : IMessage
{
    public ReadOnlyMemory<byte> Tail => Body;

    public FrameKind Kind => FrameKind.Result;

    public int FieldsSize => 8 + 4 + 1 + 8;

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteUInt64(Key);
        writer.WriteUInt32(Attempt);
        writer.WriteByte((byte)Outcome);
        writer.WriteUInt64(RunMicroseconds);
    }

    public static Result Read(ReadOnlySpan<byte> payload)
    {
        var (key, attempt, outcome, runMicroseconds, bodyAt) = ReadHead(payload);
        return new Result(key, attempt, outcome, runMicroseconds, payload[bodyAt..].ToArray());
    }

    /// <summary>The fields alone, the body a slice of <paramref name="payload"/>, with no message made: the head's path, once per attempt.</summary>
    public static ResultFields ReadFields(ReadOnlyMemory<byte> payload)
    {
        var (key, attempt, outcome, runMicroseconds, bodyAt) = ReadHead(payload.Span);
        return new ResultFields(key, attempt, outcome, runMicroseconds, payload[bodyAt..]);
    }

    private static (ulong Key, uint Attempt, Outcome Outcome, ulong RunMicroseconds, int BodyAt) ReadHead(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Result);
        var key = reader.ReadUInt64();
        var attempt = reader.ReadUInt32();
        var outcome = (Outcome)reader.ReadByte();
        if (outcome is not (Outcome.Succeeded or Outcome.Failed or Outcome.Cancelled))
        {
            throw new ProtocolException(ProtocolErrors.Malformed, $"Result has unknown outcome {(byte)outcome}.");
        }

        var runMicroseconds = reader.ReadUInt64();
        return (key, attempt, outcome, runMicroseconds, reader.Position);
    }
}

/// <summary>A Result's fields, read in place (<see cref="Result.ReadFields"/>): the body is valid as long as the buffer it points into.</summary>
public readonly record struct ResultFields(ulong Key, uint Attempt, Outcome Outcome, ulong RunMicroseconds, ReadOnlyMemory<byte> Body);

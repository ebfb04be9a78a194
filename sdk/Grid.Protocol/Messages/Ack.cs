namespace Grid.Protocol.Messages;

/// <summary>
/// head → worker: these results are committed (or were already), the worker may forget them. Layout: u32 count ·
/// count × (u64 key · u32 attempt). A worker re-sends a result that stays unacknowledged, so a result lost in
/// transit is recovered without running the task again; the head fences the duplicates.
/// </summary>
public sealed record Ack(IReadOnlyList<(ulong Key, uint Attempt)> Results) : IMessage
{
    /// <summary>Most results one Ack frame names; the head sends more frames for more.</summary>
    public const int MaxResults = 65_536;

    public ReadOnlyMemory<byte> Tail => default;

    public FrameKind Kind => FrameKind.Ack;

    public int FieldsSize => 4 + (12 * Results.Count);

    public void WriteFields(Span<byte> destination)
    {
        var writer = new PayloadWriter(destination);
        writer.WriteUInt32((uint)Results.Count);

        // By index: a foreach over the interface would box an enumerator per frame.
        for (int i = 0; i < Results.Count; i++)
        {
            var (key, attempt) = Results[i];
            writer.WriteUInt64(key);
            writer.WriteUInt32(attempt);
        }
    }

    public static Ack Read(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload, FrameKind.Ack);
        uint count = reader.ReadUInt32();
        if (count > MaxResults || count * 12L != reader.Remaining)
        {
            throw new ProtocolException(ProtocolErrors.Malformed, $"Ack names {count} results but holds {reader.Remaining} bytes of them (12 each, at most {MaxResults}).");
        }

        var results = new (ulong, uint)[count];
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = (reader.ReadUInt64(), reader.ReadUInt32());
        }

        reader.End();
        return new Ack(results);
    }

    public bool Equals(Ack? other) => other is not null && Results.SequenceEqual(other.Results);

    public override int GetHashCode() => Results.Count;
}

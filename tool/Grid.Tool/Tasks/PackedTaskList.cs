using System.Globalization;
using System.Text;

namespace Grid.Tool.Tasks;

/// <summary>
/// Tasks read from one buffer (a tasks file's bytes), kept as slices of it: 16 bytes per task besides the file
/// itself, so a million tasks cost the file plus 16 MB. A task's id is the UTF-8 text of its "id" value in the
/// buffer, or, for a task without one, its line number; the string is made when asked for.
/// </summary>
public sealed class PackedTaskList : TaskList
{
    private readonly byte[] _buffer;
    private readonly int[] _slices;

    /// <param name="buffer">The bytes every slice points into.</param>
    /// <param name="slices">Four ints per task: input start, input length, id start, id length (a negative id length means the id is the line number held in id start).</param>
    public PackedTaskList(string source, byte[] buffer, int[] slices)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(slices.Length % 4, 0);
        Source = source;
        _buffer = buffer;
        _slices = slices;
    }

    public override int Count => _slices.Length / 4;

    public override string Source { get; }

    public override string IdOf(int index)
    {
        int at = index * 4;
        return _slices[at + 3] < 0
            ? _slices[at + 2].ToString(CultureInfo.InvariantCulture)
            : Encoding.UTF8.GetString(_buffer, _slices[at + 2], _slices[at + 3]);
    }

    public override ReadOnlySpan<byte> IdUtf8Of(int index, Span<byte> scratch)
    {
        int at = index * 4;
        if (_slices[at + 3] >= 0)
        {
            return _buffer.AsSpan(_slices[at + 2], _slices[at + 3]);
        }

        _slices[at + 2].TryFormat(scratch, out int written, provider: CultureInfo.InvariantCulture);
        return scratch[..written];
    }

    public override ReadOnlyMemory<byte> InputOf(int index) => _buffer.AsMemory(_slices[index * 4], _slices[(index * 4) + 1]);
}

using System.Text;

namespace Grid.Tool.Tasks;

/// <summary>
/// The tasks of a run, in order. Task i has a unique id and an input of opaque bytes; the head numbers it i
/// and sends key i + 1 on the wire (key 0 means "the worker itself").
/// </summary>
public abstract class TaskList
{
    /// <summary>Number of tasks.</summary>
    public abstract int Count { get; }

    /// <summary>Where the tasks came from, for messages.</summary>
    public abstract string Source { get; }

    /// <summary>The id of task <paramref name="index"/>.</summary>
    public abstract string IdOf(int index);

    /// <summary>The input bytes of task <paramref name="index"/>.</summary>
    public abstract ReadOnlyMemory<byte> InputOf(int index);

    /// <summary>The task's id as UTF-8, in <paramref name="scratch"/> (at least 16 bytes) or where it already is.</summary>
    public virtual ReadOnlySpan<byte> IdUtf8Of(int index, Span<byte> scratch) => Encoding.UTF8.GetBytes(IdOf(index));
}

/// <summary>Tasks held in memory: ids and input slices of the buffer they were read from.</summary>
public sealed class InMemoryTaskList : TaskList
{
    private readonly string[] _ids;
    private readonly ReadOnlyMemory<byte>[] _inputs;

    public InMemoryTaskList(string source, string[] ids, ReadOnlyMemory<byte>[] inputs)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(ids.Length, inputs.Length);
        Source = source;
        _ids = ids;
        _inputs = inputs;
    }

    public override int Count => _ids.Length;

    public override string Source { get; }

    public override string IdOf(int index) => _ids[index];

    public override ReadOnlyMemory<byte> InputOf(int index) => _inputs[index];
}

/// <summary>Tasks that are files: the id is the file's path under the glob's base, the input its bytes, read when dispatched.</summary>
public sealed class FileTaskList : TaskList
{
    private readonly string[] _ids;
    private readonly string[] _paths;

    public FileTaskList(string source, string[] ids, string[] paths)
    {
        Source = source;
        _ids = ids;
        _paths = paths;
    }

    public override int Count => _ids.Length;

    public override string Source { get; }

    public override string IdOf(int index) => _ids[index];

    public override ReadOnlyMemory<byte> InputOf(int index) => File.ReadAllBytes(_paths[index]);
}

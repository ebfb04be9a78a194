using System.Buffers;
using System.Text.Json;

namespace Grid.Tool.Output;

/// <summary>
/// An append-only JSON Lines file. Each line is built in memory and appended to a buffered stream, so a run
/// pays one write to the OS per batch of lines (at <see cref="Flush"/>), not one per line: Utf8JsonWriter's own
/// Flush would flush the file under it every time.
/// </summary>
internal sealed class JsonLinesFile : IDisposable
{
    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;

    public JsonLinesFile(string path)
    {
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
        _json = new Utf8JsonWriter(_line);
    }

    /// <summary>A writer for the next line; call <see cref="EndLine"/> when its value is written.</summary>
    public Utf8JsonWriter BeginLine()
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        return _json;
    }

    public void EndLine()
    {
        _json.Flush();
        _file.Write(_line.WrittenSpan);
        _file.WriteByte((byte)'\n');
    }

    /// <summary>Hands what was appended to the OS: a line is durable against the head's death once flushed.</summary>
    public void Flush() => _file.Flush();

    public void Dispose()
    {
        _json.Dispose();
        _file.Dispose();
    }
}

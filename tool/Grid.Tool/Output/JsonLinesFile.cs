using System.Buffers;
using System.Text.Json;

namespace Grid.Tool.Output;

/// <summary>
/// An append-only JSON Lines file. Each line is built in memory and appended to a buffered stream, so a run
/// pays one write to the OS per batch of lines (at <see cref="Flush"/>), not one per line: Utf8JsonWriter's own
/// Flush would flush the file under it every time. A large value that is already JSON (a task's output) is not
/// copied into the line: it goes from the message's body to the file.
/// </summary>
internal sealed class JsonLinesFile : IDisposable
{
    /// <summary>Values this long are written from where they are; shorter ones are copied into the line.</summary>
    private const int SpliceBytes = 64 * 1024;

    private static readonly ReadOnlyMemory<byte> Placeholder = "0"u8.ToArray();

    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private readonly Utf8JsonWriter _json;
    private ReadOnlyMemory<byte> _spliced;
    private int _splicedAt = -1;

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
        _splicedAt = -1;
        _spliced = default;
        return _json;
    }

    /// <summary>The next line's bytes, for a line written by hand; call <see cref="EndLine"/> when it is written.</summary>
    public ArrayBufferWriter<byte> BeginRawLine()
    {
        BeginLine();
        return _line;
    }

    /// <summary>
    /// Appends <paramref name="value"/> to a line begun with <see cref="BeginRawLine"/>, as it is: the caller has
    /// checked that it is one whole JSON value. A large one is spliced in at <see cref="EndLine"/>, as in <see cref="WriteRawValue"/>.
    /// </summary>
    public void AppendRawValue(ReadOnlyMemory<byte> value) => _line.Write(SpliceOrSelf(value).Span);

    /// <summary>
    /// Writes <paramref name="value"/> as the line's next value, as it is: the caller has checked that it is one
    /// whole JSON value. A large one is spliced in at <see cref="EndLine"/>: the line holds a one-byte stand-in for it.
    /// </summary>
    public void WriteRawValue(ReadOnlyMemory<byte> value)
    {
        // Flushed first, so the line's written count is where the writer's next byte goes.
        _json.Flush();
        _json.WriteRawValue(SpliceOrSelf(value).Span, skipInputValidation: true);
    }

    /// <summary>The bytes to put in the line: the value itself, or the stand-in for a large value spliced in at <see cref="EndLine"/>.</summary>
    private ReadOnlyMemory<byte> SpliceOrSelf(ReadOnlyMemory<byte> value)
    {
        if (value.Length < SpliceBytes || _splicedAt >= 0)
        {
            return value;
        }

        _splicedAt = _line.WrittenCount;
        _spliced = value;
        return Placeholder;
    }

    public void EndLine()
    {
        _json.Flush();
        var line = _line.WrittenSpan;
        if (_splicedAt >= 0)
        {
            _file.Write(line[.._splicedAt]);
            _file.Write(_spliced.Span);
            line = line[(_splicedAt + 1)..];
            _splicedAt = -1;
            _spliced = default;
        }

        _file.Write(line);
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

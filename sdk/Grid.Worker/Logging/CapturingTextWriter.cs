using System.Text;
using Grid.Protocol.Messages;

namespace Grid.Logging;

/// <summary>
/// What <see cref="Console.Out"/> and <see cref="Console.Error"/> become in a worker: text goes to the current
/// <see cref="LogScope"/> (the running task, else the worker), and only without any scope to the fallback.
/// </summary>
internal sealed class CapturingTextWriter : TextWriter
{
    private readonly LogSource _source;
    private readonly TextWriter _fallback;

    public CapturingTextWriter(LogSource source, TextWriter fallback)
        : base(System.Globalization.CultureInfo.InvariantCulture)
    {
        _source = source;
        _fallback = fallback;
    }

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (LogScope.Current?.Write(_source, buffer) == true || LogScope.Untagged?.Write(_source, buffer) == true)
        {
            return;
        }

        _fallback.Write(buffer);
    }

    public override void WriteLine(string? value) => WriteLine(value.AsSpan());

    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        // One write, so the line and its end travel together.
        int length = buffer.Length + CoreNewLine.Length;
        if (length <= 1024)
        {
            Span<char> line = stackalloc char[length];
            buffer.CopyTo(line);
            CoreNewLine.CopyTo(line[buffer.Length..]);
            Write(line);
            return;
        }

        Write(buffer);
        Write(CoreNewLine);
    }

    public override void Flush()
    {
        var scope = LogScope.Current ?? LogScope.Untagged;
        if (scope is null)
        {
            _fallback.Flush();
            return;
        }

        scope.Flush(_source);
    }
}

using System.Buffers;
using System.Text;
using Grid.Buffers;
using Grid.Protocol.Messages;
using Grid.Serving;
using ProtocolLimits = Grid.Protocol.Protocol;

namespace Grid.Logging;

/// <summary>
/// Whose output this is: a task's attempt (key, attempt) or the worker itself (key 0). The current scope flows
/// with the handler's async calls (an <see cref="AsyncLocal{T}"/>), so prints from concurrent tasks, and from
/// tasks they start, are told apart without the handler doing anything.
/// </summary>
internal class LogScope : ILogTarget
{
    private static readonly AsyncLocal<LogScope?> CurrentScope = new();
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly FrameOutbox _outbox;
    private LogBuffer? _out;
    private LogBuffer? _error;
    private volatile bool _closed;

    public LogScope(FrameOutbox outbox, ulong key, uint attempt)
    {
        _outbox = outbox;
        Key = key;
        Attempt = attempt;
    }

    /// <summary>The scope of the code running now, if any.</summary>
    public static LogScope? Current
    {
        get => CurrentScope.Value;
        set => CurrentScope.Value = value;
    }

    /// <summary>
    /// Where prints go that carry no scope at all (a thread started before the worker, a callback that
    /// suppressed the execution context). Set by the stdio host to the worker's key-0 scope.
    /// </summary>
    public static LogScope? Untagged { get; set; }

    public ulong Key { get; }

    public uint Attempt { get; }

    /// <summary>Appends console text; false when the scope is closed and the text must go elsewhere.</summary>
    public bool Write(LogSource source, ReadOnlySpan<char> text)
    {
        if (_closed)
        {
            return false;
        }

        var buffer = source == LogSource.Error ? Ensure(ref _error, source) : Ensure(ref _out, source);
        return buffer.Write(text);
    }

    /// <summary>Sends what was written so far, even a partial line (a handler's <c>Console.Out.Flush()</c>).</summary>
    public void Flush(LogSource source) => (source == LogSource.Error ? _error : _out)?.Flush();

    /// <summary>Sends the partial lines left and stops taking text: later prints of a finished task go untagged.</summary>
    public void Close()
    {
        _closed = true;
        _out?.Close();
        _error?.Close();
    }

    /// <summary>A logger line: one frame per line (more only past the chunk limit), prefixed with its level.</summary>
    public void WriteLogLine(LogLevel level, string message)
    {
        var prefix = LogLevels.Prefix(level);
        int length = Utf8.GetByteCount(prefix) + Utf8.GetByteCount(message) + 1;
        if (length <= ProtocolLimits.MaxLogChunkBytes)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(length);
            int written = Utf8.GetBytes(prefix, chunk);
            written += Utf8.GetBytes(message, chunk.AsSpan(written));
            chunk[written++] = (byte)'\n';
            Send(LogSource.Logger, chunk, written);
            return;
        }

        // Rare: a line over the limit is cut at character boundaries into several frames.
        var buffer = new LogBuffer(this, LogSource.Logger);
        buffer.Write(prefix);
        buffer.Write(message);
        buffer.Write("\n");
        buffer.Close();
    }

    /// <summary>Sends <paramref name="length"/> bytes of a pooled array as one log frame; the outbox returns the array.</summary>
    internal void Send(LogSource source, byte[] pooled, int length)
    {
        // False when the connection has ended: whatever is printed now has no head to go to.
        var chunk = PooledBytes.Rented(pooled, length);
        _ = _outbox.Send(new Log(Key, Attempt, source, chunk.Memory), chunk);
    }

    private LogBuffer Ensure(ref LogBuffer? field, LogSource source)
    {
        var buffer = field;
        if (buffer is null)
        {
            var created = new LogBuffer(this, source);
            buffer = Interlocked.CompareExchange(ref field, created, null) ?? created;
        }

        return buffer;
    }
}

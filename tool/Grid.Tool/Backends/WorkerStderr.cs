using System.Diagnostics;

namespace Grid.Tool.Backends;

/// <summary>
/// Copies a worker process's stderr, line by line, to its log (written from the process's own reader thread, so it
/// locks), and keeps the line in which .NET names an unhandled exception, so that how the worker ended can say why.
/// </summary>
internal sealed class WorkerStderr
{
    /// <summary>What .NET prints first when an exception ends a process: "Unhandled exception. System.X: message".</summary>
    private const string UnhandledException = "Unhandled exception.";

    /// <summary>The most of that line kept: enough for the type and a message that says what to fix.</summary>
    private const int MaxCrashCharacters = 400;

    private readonly TextWriter _log;

    /// <summary>The line naming the unhandled exception that ended the worker, if it printed one.</summary>
    private string? _crash;

    private WorkerStderr(TextWriter log)
    {
        _log = log;
    }

    public static WorkerStderr Forward(Process process, TextWriter log)
    {
        var stderr = new WorkerStderr(log);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            lock (log)
            {
                log.WriteLine(line);
            }

            if (line.StartsWith(UnhandledException, StringComparison.Ordinal))
            {
                string crash = line.Length > MaxCrashCharacters ? string.Concat(line.AsSpan(0, MaxCrashCharacters), "…") : line;
                Interlocked.CompareExchange(ref stderr._crash, crash, null);
            }
        };
        process.BeginErrorReadLine();
        return stderr;
    }

    /// <summary>
    /// Once the process has exited and its stderr is read to the end: the log flushed, and <paramref name="exit"/> with
    /// the unhandled exception that caused it when the worker printed one.
    /// </summary>
    public WorkerExit Explain(WorkerExit exit)
    {
        lock (_log)
        {
            _log.Flush();
        }

        return Volatile.Read(ref _crash) is { } crash ? exit with { Description = $"{exit.Description}; it printed: {crash}" } : exit;
    }
}

namespace Grid;

/// <summary>
/// Writes log lines that belong to the task. In worker mode each line travels to the head as a log frame of
/// the task's attempt; with <c>--input</c> it is written to stderr.
/// </summary>
public sealed class TaskLogger
{
    private readonly ILogTarget _target;

    internal TaskLogger(ILogTarget target)
    {
        _target = target;
    }

    /// <summary>Writes an informational line.</summary>
    public void Info(string message) => _target.WriteLogLine(LogLevel.Info, message);

    /// <summary>Writes a warning line.</summary>
    public void Warning(string message) => _target.WriteLogLine(LogLevel.Warning, message);

    /// <summary>Writes an error line.</summary>
    public void Error(string message) => _target.WriteLogLine(LogLevel.Error, message);
}

/// <summary>Severity of a logger line; written as a prefix of the line ("info: ", "warn: ", "error: ").</summary>
internal enum LogLevel
{
    Info,
    Warning,
    Error,
}

/// <summary>Where a task's logger lines go.</summary>
internal interface ILogTarget
{
    void WriteLogLine(LogLevel level, string message);
}

internal static class LogLevels
{
    public static string Prefix(LogLevel level) => level switch
    {
        LogLevel.Warning => "warn: ",
        LogLevel.Error => "error: ",
        _ => "info: ",
    };
}

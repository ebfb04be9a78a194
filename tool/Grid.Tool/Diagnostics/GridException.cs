namespace Grid.Tool.Diagnostics;

/// <summary>
/// A failure the user can act on: a GRID code, what went wrong, and how to fix it. Commands turn it into one
/// line on stderr and the exit code it carries; nothing else is printed.
/// </summary>
public sealed class GridException : Exception
{
    public GridException(string code, string message, int exitCode = ExitCodes.Usage)
        : base(message)
    {
        Code = code;
        ExitCode = exitCode;
    }

    public GridException()
        : this(ErrorCodes.Unexpected, "unexpected error")
    {
    }

    public GridException(string message)
        : this(ErrorCodes.Unexpected, message)
    {
    }

    public GridException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ErrorCodes.Unexpected;
        ExitCode = ExitCodes.Unexpected;
    }

    public string Code { get; }

    public int ExitCode { get; }

    public override string ToString() => $"{Code}: {Message}";
}

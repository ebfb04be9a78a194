namespace Grid.Tool.Commands;

/// <summary>What every command gets from outside: where to write, where it runs, and the clock.</summary>
/// <param name="Out">Results: tables, summaries, JSON.</param>
/// <param name="Error">Progress and errors.</param>
/// <param name="ErrorIsTerminal">Whether <paramref name="Error"/> is an interactive terminal (progress bar) or a log (plain lines).</param>
public sealed record CommandContext(TextWriter Out, TextWriter Error, string WorkingDirectory, TimeProvider Time, bool ErrorIsTerminal)
{
    /// <summary>Reads environment variables (AWS settings, endpoint overrides); tests give their own.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public static CommandContext FromConsole() =>
        new(Console.Out, Console.Error, System.Environment.CurrentDirectory, TimeProvider.System, !Console.IsErrorRedirected);
}

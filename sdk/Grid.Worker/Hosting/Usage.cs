namespace Grid.Hosting;

/// <summary>What a Grid job says when started without a mode.</summary>
internal static class Usage
{
    private const string Text = """
        This program is a Grid job. Run it one of two ways:

          --input <json>|@<file.json> [--timeout <seconds>]
              Run the handler once on this input and print its output as JSON on stdout
              (the handler's own prints go to stderr). Exit 0 when the handler returned,
              1 when it threw or timed out.

          --grid-worker [--grid-slots <n>]
              Serve tasks over stdin/stdout with Grid's task protocol. `dotnet grid run`
              starts workers this way; slots default to GRID_SLOTS, else the processor count.
        """;

    /// <summary>Writes the usage (after the error, if any) to stderr and returns the usage exit code.</summary>
    public static int Print(TextWriter stderr, string? error)
    {
        if (error is not null)
        {
            stderr.WriteLine($"error: {error}");
            stderr.WriteLine();
        }

        stderr.WriteLine(Text);
        return WorkerExitCodes.Usage;
    }
}

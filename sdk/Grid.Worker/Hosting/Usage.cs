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

          --grid-worker --grid-connect <host>:<port> --grid-pin <sha256-hex> [--grid-slots <n>]
              Dial the head over TLS instead, trusting only the certificate whose SHA-256 is
              the pin. The run's token comes from GRID_RUN_TOKEN; GRID_WORKER_NAME names the
              worker (default: the host name). A lost head is dialed again until it has been
              out of reach for GRID_HEAD_SILENCE_SECONDS (600), then the exit code is 6.

          GRID_SPOT_NOTICE=1 (worker mode): watch the EC2 metadata service for a spot
              interruption notice and drain the worker when one comes.
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

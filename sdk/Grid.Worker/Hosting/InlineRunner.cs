using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Grid.Hosting;

/// <summary>
/// The debugging loop: <c>--input</c> runs the handler once, here, with the console left alone, and prints
/// the output as indented JSON on stdout.
/// </summary>
internal static class InlineRunner
{
    public const string TaskId = "inline";
    public const string WorkerId = "inline";

    public static async Task<int> RunAsync(TaskHandler handler, WorkerArguments arguments, Stream stdout, TextWriter stderr)
    {
        if (!TryReadInput(arguments.Input!, out var input, out var error))
        {
            await stderr.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            return WorkerExitCodes.Usage;
        }

        using var cancellation = new CancellationTokenSource();
        if (arguments.Timeout is TimeSpan timeout)
        {
            cancellation.CancelAfter(timeout);
        }

        // Ctrl+C asks the handler to stop; a second Ctrl+C ends the process as usual.
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = !cancellation.IsCancellationRequested;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;

        var context = new TaskContext(TaskId, attempt: 1, WorkerId, new WriterLogTarget(stderr), cancellation.Token);
        try
        {
            var output = await handler.InvokeAsync(input, context).ConfigureAwait(false);
            WriteOutput(stdout, output.Memory);
            output.Release();
            return WorkerExitCodes.Success;
        }
        catch (OperationCanceledException exception) when (cancellation.IsCancellationRequested)
        {
            var why = arguments.Timeout is TimeSpan limit
                ? string.Create(CultureInfo.InvariantCulture, $"its timeout of {limit.TotalSeconds:0.###} s passed")
                : "it was interrupted";
            await stderr.WriteLineAsync($"The handler was cancelled: {why}.{Environment.NewLine}{exception}").ConfigureAwait(false);
            return WorkerExitCodes.TaskFailed;
        }
        catch (Exception exception)
        {
            await stderr.WriteLineAsync(exception.ToString()).ConfigureAwait(false);
            return WorkerExitCodes.TaskFailed;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            context.DeleteScratchDirectory();
        }
    }

    private static bool TryReadInput(string value, out byte[] input, out string? error)
    {
        error = null;
        if (!value.StartsWith('@'))
        {
            input = Encoding.UTF8.GetBytes(value);
            return true;
        }

        var path = value[1..];
        try
        {
            input = File.ReadAllBytes(path);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            input = [];
            error = $"{WorkerArguments.InputOption} names the file '{path}', which cannot be read: {exception.Message}";
            return false;
        }
    }

    private static void WriteOutput(Stream stdout, ReadOnlyMemory<byte> output)
    {
        try
        {
            using var document = JsonDocument.Parse(output);
            using var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions
            {
                Indented = true,

                // Printed for a person to read: keep non-ASCII text as it is rather than \u-escaped.
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            });
            document.WriteTo(writer);
        }
        catch (JsonException)
        {
            // A byte[] output is the handler's own bytes; show them as they are.
            stdout.Write(output.Span);
        }

        stdout.Write("\n"u8);
        stdout.Flush();
    }

    /// <summary>Logger lines with <c>--input</c>: straight to stderr.</summary>
    private sealed class WriterLogTarget(TextWriter writer) : ILogTarget
    {
        public void WriteLogLine(LogLevel level, string message) => writer.WriteLine(LogLevels.Prefix(level) + message);
    }
}

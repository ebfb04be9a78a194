using System.IO.Pipelines;
using Grid.Serving;

namespace Grid.Hosting;

/// <summary><c>--grid-worker</c>: a worker connection over this process's stdin and stdout.</summary>
internal static class StdioHost
{
    /// <summary>How long a process exit called by a handler waits for queued frames to reach the head.</summary>
    private static readonly TimeSpan ExitFlushTimeout = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(TaskHandler handler, int slots, Task<Spot.SpotNotice>? notice = null)
    {
        var (input, output) = StdioIsolation.TakeStdio();

        // Grabbed before the console is captured: this is the real stderr, for the worker's own last words.
        var stderr = Console.Error;

        // Handlers that block (sync work, Thread.Sleep) hold pool threads; keep enough for the loops that read,
        // write and send heartbeats, so a busy worker is never taken for a lost one.
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, slots + 4), completionPorts);

        await using (input.ConfigureAwait(false))
        await using (output.ConfigureAwait(false))
        {
            var reader = PipeReader.Create(input, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
            var writer = PipeWriter.Create(output, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024));
            using var connection = new WorkerConnection(handler, reader, writer, new WorkerConnectionOptions
            {
                Slots = slots,
                Diagnostics = stderr,
                CaptureUntaggedOutput = true,
                Notice = notice,
            });
            void OnExit(object? sender, EventArgs e) => connection.FlushOnExit(ExitFlushTimeout);
            AppDomain.CurrentDomain.ProcessExit += OnExit;
            try
            {
                return await connection.RunAsync().ConfigureAwait(false);
            }
            finally
            {
                AppDomain.CurrentDomain.ProcessExit -= OnExit;
            }
        }
    }
}

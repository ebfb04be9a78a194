using System.IO.Pipelines;
using Grid.Serving;
using Grid.Spot;

namespace Grid.Hosting;

/// <summary>
/// <c>--grid-worker --grid-connect HOST:PORT</c>: the worker dials its head over TLS and serves tasks on that
/// connection. When the head cannot be reached, or the connection breaks without a Shutdown, the worker dials again,
/// backing off, and starts a new session (Hello, Welcome), re-sending the results the head never acknowledged. When
/// the head has been out of reach for <see cref="DialSettings.HeadSilence"/>, it exits with
/// <see cref="WorkerExitCodes.HeadUnreachable"/>.
/// </summary>
internal static class DialHost
{
    /// <summary>The first wait before dialing again; it doubles up to <see cref="MaxRedialDelay"/>.</summary>
    public static readonly TimeSpan FirstRedialDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between two dials, so a head that comes back is found within seconds.</summary>
    public static readonly TimeSpan MaxRedialDelay = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(TaskHandler handler, int slots, DialSettings settings, Task<SpotNotice>? notice, TextWriter diagnostics, TimeProvider time)
    {
        // As over stdio: blocking handlers must not starve the loops that read, write and send heartbeats.
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, slots + 4), completionPorts);

        var dialer = new HeadDialer(settings);
        var unacked = new UnackedResults(time);
        long lastReached = time.GetTimestamp();
        var delay = FirstRedialDelay;
        string? lastFailure = null;
        while (true)
        {
            var (stream, failure) = await dialer.DialAsync(CancellationToken.None).ConfigureAwait(false);
            if (stream is null)
            {
                if (failure != lastFailure)
                {
                    lastFailure = failure;
                    await diagnostics.WriteLineAsync($"grid worker: cannot reach the head at {settings.Head}: {failure}; dialing again").ConfigureAwait(false);
                }

                if (time.GetElapsedTime(lastReached) >= settings.HeadSilence)
                {
                    await diagnostics.WriteLineAsync($"grid worker: stopping: the head at {settings.Head} was out of reach for {settings.HeadSilence.TotalSeconds:0.###} s (exit {WorkerExitCodes.HeadUnreachable})").ConfigureAwait(false);
                    return WorkerExitCodes.HeadUnreachable;
                }

                // Jitter, so that a fleet whose head restarts does not dial back in lockstep.
                await Task.Delay(delay * (0.5 + (Random.Shared.NextDouble() / 2)), time).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRedialDelay.Ticks));
                continue;
            }

            lastReached = time.GetTimestamp();
            lastFailure = null;
            delay = FirstRedialDelay;
            var (exit, lastReceived) = await ServeAsync(handler, slots, settings, notice, diagnostics, time, unacked, stream).ConfigureAwait(false);
            lastReached = Math.Max(lastReached, lastReceived);
            if (exit != WorkerExitCodes.HeadLost)
            {
                return exit;
            }

            await diagnostics.WriteLineAsync($"grid worker: the connection to the head at {settings.Head} was lost; dialing again").ConfigureAwait(false);
        }
    }

    /// <summary>One session on one connection; returns its exit code and when the head was last heard on it.</summary>
    private static async Task<(int Exit, long LastReceived)> ServeAsync(TaskHandler handler, int slots, DialSettings settings, Task<SpotNotice>? notice, TextWriter diagnostics, TimeProvider time, UnackedResults unacked, Stream stream)
    {
        await using (stream.ConfigureAwait(false))
        {
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
            var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
            using var connection = new WorkerConnection(handler, reader, writer, new WorkerConnectionOptions
            {
                Slots = slots,
                WorkerName = settings.WorkerName,
                Token = settings.Token,
                Unacked = unacked,
                Notice = notice,
                Diagnostics = diagnostics,
                Time = time,

                // A head that has many workers to welcome, or holds an early one until it needs it, may be slow to
                // answer; it is given the whole silence allowance.
                WelcomeTimeout = settings.HeadSilence,
            });
            int exit = await connection.RunAsync().ConfigureAwait(false);
            return (exit, connection.LastReceived);
        }
    }
}

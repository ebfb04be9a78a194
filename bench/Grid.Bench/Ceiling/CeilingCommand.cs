using System.Diagnostics;
using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Bench.Ceiling;

/// <summary>
/// The reference every other figure is held against: a bare parent and <c>--children</c> child processes that
/// exchange frames in Grid's framing over stdin/stdout and do nothing else. Three ways:
/// round trips (one frame in flight per child), streamed frames (each child echoes a continuous stream), and
/// result bytes (each child streams 1 MiB Result frames to the parent).
/// </summary>
internal static class CeilingCommand
{
    private static readonly TimeSpan Warmup = TimeSpan.FromMilliseconds(300);

    public static int Run(BenchArgs args)
    {
        int children = args.Int("children", 2);
        int runs = args.Int("runs", 3);
        var window = TimeSpan.FromSeconds(args.Double("seconds", 1.5));
        var roundTrips = new List<double>();
        var frames = new List<double>();
        var batched = new List<Dictionary<string, double>>();
        var mibs = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            roundTrips.Add(RoundTrips(children, window));
            frames.Add(Streamed(children, window, framesPerWrite: 1));
            batched.Add(new() { ["frames_per_s_written_256_per_write"] = Streamed(children, window, framesPerWrite: 256) });
            mibs.Add(ResultBytes(children, window));
            Console.Error.WriteLine($"ceiling run {run + 1}: {roundTrips[^1]:N0} round trips/s, {frames[^1]:N0} frames/s ({batched[^1].Values.Single():N0} batched), {mibs[^1]:N0} MiB/s");
        }

        string shape = $"{children} children";
        FigureFile.Write(args.String("out"),
            Figure.FromRuns("ceiling_round_trips_per_s", "round trips/s", roundTrips) with
            {
                Reference = new Reference(null, "environment.md: about 236,000/s with two children"),
                Method = $"A parent writes one 17-byte frame (a Started) to each of {shape} over stdin and waits for it to come back on stdout, on one thread per child; the children parse the framing and echo whole frames. Counted over {window.TotalSeconds:0.#} s after a {Warmup.TotalMilliseconds:0} ms warm-up.",
            },
            Figure.FromRuns("ceiling_frames_per_s", "frames/s", frames) with
            {
                Reference = new Reference(null, "environment.md: about 1,000,000/s streamed"),
                Method = $"The parent streams 26-byte frames (a Result with an empty body) to each of {shape}, one write per frame, without waiting; each child echoes whole frames, one write per read; the parent walks the framing of what comes back. Frames received per second over {window.TotalSeconds:0.#} s. With 256 frames per write (details) the pipe is far from its limit.",
                Details = Figure.MedianDetails(batched),
            },
            Figure.FromRuns("ceiling_result_mib_per_s", "MiB/s", mibs) with
            {
                Method = $"Each of {shape} writes 1 MiB Result frames to its stdout as fast as it can; the parent reads them and walks the framing. MiB received per second over {window.TotalSeconds:0.#} s: the pipe's limit for results.",
            });
        return 0;
    }

    private static double RoundTrips(int children, TimeSpan window)
    {
        var frame = FrameWriter.ToArray(new Started(1, 1));
        return Measure(children, window, "echo", (child, counter, stop) =>
        {
            var back = new byte[frame.Length];
            var input = child.Input;
            var output = child.Output;
            return
            [
                new Thread(() =>
                {
                    try
                    {
                        while (!stop.IsCancellationRequested)
                        {
                            input.Write(frame);
                            input.Flush();
                            output.ReadExactly(back);
                            Interlocked.Increment(ref counter.Value);
                        }
                    }
                    catch (IOException)
                    {
                        // The child was stopped under us: the window is over.
                    }
                }),
            ];
        });
    }

    private static double Streamed(int children, TimeSpan window, int framesPerWrite)
    {
        var one = FrameWriter.ToArray(new Result(1, 1, Outcome.Succeeded, 0, ReadOnlyMemory<byte>.Empty));
        var batch = Enumerable.Repeat(one, framesPerWrite).SelectMany(f => f).ToArray();
        return Measure(children, window, "echo", (child, counter, stop) =>
        [
            new Thread(() =>
            {
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        child.Input.Write(batch);
                        child.Input.Flush();
                    }
                }
                catch (IOException)
                {
                }
            }),
            new Thread(() => Count(child.Output, counter, frames: true, stop)),
        ]);
    }

    private static double ResultBytes(int children, TimeSpan window) =>
        Measure(children, window, "results", (child, counter, stop) =>
            [new Thread(() => Count(child.Output, counter, frames: false, stop))]) / (1024.0 * 1024.0);

    /// <summary>Reads until stopped, adding whole frames (or bytes) to the counter as they arrive.</summary>
    private static void Count(Stream output, Counter counter, bool frames, CancellationToken stop)
    {
        var buffer = new byte[1 << 20];
        var walker = new FrameCounter();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int read = output.Read(buffer);
                if (read == 0)
                {
                    return;
                }

                long before = frames ? walker.Frames : walker.Bytes;
                walker.Add(buffer.AsSpan(0, read));
                Interlocked.Add(ref counter.Value, (frames ? walker.Frames : walker.Bytes) - before);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Starts the children and their threads, counts over the window after a warm-up, and stops everything.</summary>
    private static double Measure(int children, TimeSpan window, string mode, Func<ChildProcess, Counter, CancellationToken, Thread[]> threadsFor)
    {
        var processes = Enumerable.Range(0, children).Select(_ => ChildProcess.StartSelf("ceiling-child", "--mode", mode)).ToArray();
        var counters = processes.Select(_ => new Counter()).ToArray();
        using var stop = new CancellationTokenSource();
        var threads = processes.SelectMany((p, i) => threadsFor(p, counters[i], stop.Token)).ToArray();
        try
        {
            foreach (var thread in threads)
            {
                thread.IsBackground = true;
                thread.Start();
            }

            Thread.Sleep(Warmup);
            long before = counters.Sum(c => Interlocked.Read(ref c.Value));
            var clock = Stopwatch.StartNew();
            Thread.Sleep(window);
            long after = counters.Sum(c => Interlocked.Read(ref c.Value));
            double seconds = clock.Elapsed.TotalSeconds;
            return (after - before) / seconds;
        }
        finally
        {
            stop.Cancel();
            foreach (var process in processes)
            {
                // Killing the children ends every blocked read and write on their pipes.
                process.Kill();
            }

            foreach (var thread in threads)
            {
                thread.Join(TimeSpan.FromSeconds(5));
            }

            foreach (var process in processes)
            {
                process.Dispose();
            }
        }
    }

    private sealed class Counter
    {
        public long Value;
    }
}

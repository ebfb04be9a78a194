using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Bench.ToolRuns;

/// <summary>
/// <c>worker</c>: the worker side alone. A minimal head in this process drives one real worker process of the bench
/// job over stdin/stdout as the scheduler does (Welcome, then Task frames kept at slots + prefetch in flight; for
/// each batch of Results read, an Ack and one more Task per Result), with no result recording. The worker's own CPU time per task is read from /proc
/// after a warm-up and at the end, so it does not depend on how busy the machine is.
/// </summary>
internal static class WorkerLoopCommand
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        string jobDll = Path.GetFullPath(args.String("job-dll"));
        int warmup = args.Int("warmup", 100_000);
        int measured = args.Int("tasks", 400_000);
        int capacity = args.Int("capacity", 17);
        int repeat = args.Int("runs", 3);
        string? input = args.String("input", "") is { Length: > 0 } given ? given : null;

        // For profiling: a command the worker runs under (e.g. "perf stat -e instructions:u -o FILE --").
        string[] prefix = args.String("worker-prefix", "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var perRun = new List<Dictionary<string, double>>();
        for (int run = 0; run < repeat; run++)
        {
            perRun.Add(await RunOnceAsync(prefix, jobDll, warmup, measured, capacity, input).ConfigureAwait(false));
            Console.Error.WriteLine($"worker run {run + 1}: {perRun[^1]["worker_cpu_us_per_task"]:0.00} µs CPU/task ({perRun[^1]["worker_user_us_per_task"]:0.00} user), {perRun[^1]["tasks_per_s"]:N0} tasks/s");
        }

        FigureFile.Write(args.String("out"),
            Figure.FromRuns("worker_cpu_us_per_task", "µs", perRun.Select(r => r["worker_cpu_us_per_task"]).ToArray()) with
            {
                Method = $"One worker process of the bench job (1 slot, no-op handler) driven over stdin/stdout by a minimal head that keeps {capacity} tasks in flight: the worker's user + system CPU time (from /proc) over {measured:N0} tasks after {warmup:N0} warm-up tasks, per task.",
                Details = Figure.MedianDetails(perRun),
            });
        return 0;
    }

    private static async Task<Dictionary<string, double>> RunOnceAsync(string[] prefix, string jobDll, int warmup, int measured, int capacity, string? input)
    {
        string[] command = [.. prefix, ChildProcess.DotnetHost, jobDll, "--grid-worker", "--grid-slots", "1"];
        using var worker = ChildProcess.Start(command[0], command[1..]);
        var reader = new FrameReader(worker.Output);
        var toWorker = worker.Input;
        var output = new ArrayBufferWriter<byte>(64 * 1024);

        if (await reader.ReadOneAsync().ConfigureAwait(false) is not Hello)
        {
            throw new InvalidOperationException("the worker's first frame was not Hello");
        }

        FrameWriter.Write(output, new Welcome(Protocol.Protocol.Version, 1000, 15000, "bench", "w1"));
        int total = warmup + measured;
        int sent = 0;
        int results = 0;
        (double User, double System) atWarmup = default;
        var clock = new Stopwatch();
        void Send(int count)
        {
            for (int i = 0; i < count && sent < total; i++, sent++)
            {
                var body = Encoding.UTF8.GetBytes(input ?? string.Create(CultureInfo.InvariantCulture, $"{{\"n\":{sent}}}"));
                FrameWriter.Write(output, new TaskMessage((ulong)sent + 1, 1, 0, sent.ToString(CultureInfo.InvariantCulture), body));
            }
        }

        Send(capacity);
        await Flush().ConfigureAwait(false);
        var answered = new List<(ulong Key, uint Attempt)>();
        var seen = new bool[total + 1];
        while (results < total)
        {
            int before = results;
            answered.Clear();
            if (!await reader.ReadBatchAsync(message =>
            {
                if (message is Result result)
                {
                    // Every result is acknowledged; one sent again (its Ack was late) is not counted twice.
                    answered.Add((result.Key, result.Attempt));
                    if (!seen[result.Key])
                    {
                        seen[result.Key] = true;
                        results++;
                    }
                }
            }).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"the worker ended after {results} results");
            }

            if (before < warmup && results >= warmup)
            {
                atWarmup = Cpu(worker.Id);
                clock.Start();
            }

            // As the head does: one Ack for the batch of results read, then one more Task for each.
            if (answered.Count > 0)
            {
                FrameWriter.Write(output, new Ack([.. answered]));
            }

            Send(results - before);
            await Flush().ConfigureAwait(false);
        }

        clock.Stop();
        var atEnd = Cpu(worker.Id);
        FrameWriter.Write(output, Shutdown.Instance);
        await Flush().ConfigureAwait(false);
        toWorker.Close();
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

        double user = atEnd.User - atWarmup.User;
        double system = atEnd.System - atWarmup.System;
        return new()
        {
            ["worker_cpu_us_per_task"] = (user + system) * 1e6 / measured,
            ["worker_user_us_per_task"] = user * 1e6 / measured,
            ["worker_sys_us_per_task"] = system * 1e6 / measured,
            ["tasks_per_s"] = measured / clock.Elapsed.TotalSeconds,
            ["worker_cpu_s_with_startup"] = atEnd.User + atEnd.System,
        };

        async Task Flush()
        {
            await toWorker.WriteAsync(output.WrittenMemory).ConfigureAwait(false);
            await toWorker.FlushAsync().ConfigureAwait(false);
            output.ResetWrittenCount();
        }
    }

    /// <summary>User and system CPU seconds of a process so far, from /proc/PID/stat (utime, stime; 100 ticks a second).</summary>
    private static (double User, double System) Cpu(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) / 100.0, long.Parse(fields[12], CultureInfo.InvariantCulture) / 100.0);
    }
}

using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Bench.ToolRuns;

/// <summary>
/// From starting <c>dotnet grid run --local --no-build</c> to its first committed result: the wall-clock instant
/// just before the process is started, against the <c>ended</c> time of the first line of results.jsonl (lines are
/// written in commit order). Both come from this machine's clock. The details split it at the scheduler's start
/// (summary.json's startedAt) and give the floors it is made of, measured in the same run.
/// </summary>
internal static class ColdStartCommand
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var runner = new ToolRunner(args);
        string jobDll = Path.GetFullPath(args.String("job-dll"));
        int workers = args.Int("workers", 2);
        int repeat = args.Int("runs", 5);
        string tasks = runner.TasksFile("cold.jsonl", workers, i => string.Create(CultureInfo.InvariantCulture, $"{{\"n\":{i}}}"));

        // A user's first run builds the job; the cold starts measured are the runs after it, with --no-build.
        ToolRunner.Remove(await runner.BuildingRunAsync("prime", tasks, workers).ConfigureAwait(false));

        var values = new List<double>();
        var perRun = new List<Dictionary<string, double>>();
        for (int i = 0; i < repeat; i++)
        {
            var run = await runner.RunAsync("cold", tasks, workers).ConfigureAwait(false);
            var first = ResultTimes.Ended(Path.Combine(run.RunFolder, "results.jsonl"), limit: 1)[0];
            var schedulerStart = DateTimeOffset.Parse(run.Summary["startedAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            double cold = (first - run.StartedAt).TotalMilliseconds;
            values.Add(cold);
            perRun.Add(new()
            {
                ["to_scheduler_ms"] = (schedulerStart - run.StartedAt).TotalMilliseconds,
                ["scheduler_to_first_result_ms"] = (first - schedulerStart).TotalMilliseconds,
                ["command_wall_ms"] = run.CommandSeconds * 1000,
                ["job_inline_ms"] = await TimeAsync(ChildProcess.DotnetHost, [jobDll, "--input", "{}"]).ConfigureAwait(false),
                ["tool_help_ms"] = await TimeAsync(ChildProcess.DotnetHost, [args.String("tool"), "--help"]).ConfigureAwait(false),
                ["msbuild_target_path_ms"] = await TimeAsync(ChildProcess.DotnetHost, ["msbuild", runner.Project, "-nologo", "-p:Configuration=Release", "-getProperty:TargetPath"]).ConfigureAwait(false),
            });
            foreach (var (name, value) in await WorkerStartAsync(jobDll).ConfigureAwait(false))
            {
                perRun[^1][name] = value;
            }

            Console.Error.WriteLine($"cold start run {i + 1}: first result after {cold:0} ms (scheduler started after {perRun[^1]["to_scheduler_ms"]:0} ms)");
            ToolRunner.Remove(run);
        }

        FigureFile.Write(args.String("out"),
            Figure.FromRuns("cold_start_ms", "ms", values) with
            {
                Target = Target.AtMost(300),
                Reference = new Reference(null, ".NET hello world: 29 ms (environment.md)"),
                Method = $"Wall-clock instant before starting `dotnet grid run --local --no-build` ({workers} workers, {workers} no-op tasks), after one building run as a user's first, to the `ended` time of the first line of results.jsonl. Files are in the page cache (built just before); every process starts cold. The details give the floors it is made of, measured in the same run: the tool's own start (`--help`), `dotnet msbuild -getProperty:TargetPath` (what --no-build runs), the job's start (`--input`), a worker's start to Hello and its first task.",
                Details = Figure.MedianDetails(perRun),
            });
        return 0;
    }

    /// <summary>
    /// One worker process of the job on its own, driven directly: from its start to its Hello, and from Welcome and
    /// one Task to that task's Result (the first task a fresh worker runs, JIT and JSON contracts included).
    /// </summary>
    private static async Task<Dictionary<string, double>> WorkerStartAsync(string jobDll)
    {
        var clock = Stopwatch.StartNew();
        using var worker = ChildProcess.Start(ChildProcess.DotnetHost, [jobDll, "--grid-worker", "--grid-slots", "1"]);
        var reader = new FrameReader(worker.Output);
        if (await reader.ReadOneAsync().ConfigureAwait(false) is not Hello)
        {
            throw new InvalidOperationException("the worker's first frame was not Hello");
        }

        double hello = clock.Elapsed.TotalMilliseconds;
        var frames = new ArrayBufferWriter<byte>();
        FrameWriter.Write(frames, new Welcome(Protocol.Protocol.Version, 1000, 15000, "bench", "w1"));
        FrameWriter.Write(frames, new TaskMessage(1, 1, 0, "t1", "{}"u8.ToArray()));
        var sent = clock.Elapsed;
        await worker.Input.WriteAsync(frames.WrittenMemory).ConfigureAwait(false);
        await worker.Input.FlushAsync().ConfigureAwait(false);
        Result? result = null;
        while (result is null)
        {
            var message = await reader.ReadOneAsync().ConfigureAwait(false)
                ?? throw new InvalidOperationException("the worker ended before its first result");
            result = message as Result;
        }

        double firstResult = (clock.Elapsed - sent).TotalMilliseconds;
        frames.ResetWrittenCount();
        FrameWriter.Write(frames, new Ack([(result.Key, result.Attempt)]));
        FrameWriter.Write(frames, Shutdown.Instance);
        await worker.Input.WriteAsync(frames.WrittenMemory).ConfigureAwait(false);
        worker.Input.Close();
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new() { ["worker_start_to_hello_ms"] = hello, ["worker_first_task_ms"] = firstResult };
    }

    /// <summary>Wall-clock of a command from start to exit, in ms; its output is discarded.</summary>
    private static async Task<double> TimeAsync(string fileName, string[] args)
    {
        var clock = Stopwatch.StartNew();
        using var process = ChildProcess.Start(fileName, args, logFile: "/dev/null");
        await process.WaitForExitAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        return clock.Elapsed.TotalMilliseconds;
    }
}

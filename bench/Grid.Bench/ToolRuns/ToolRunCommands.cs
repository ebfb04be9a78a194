using System.Globalization;

namespace Grid.Bench.ToolRuns;

/// <summary>The figures measured through the real tool on the bench job: no-op throughput, efficiency, result bytes.</summary>
internal static class ToolRunCommands
{
    public static async Task<int> NoopAsync(BenchArgs args)
    {
        var runner = new ToolRunner(args);
        int count = args.Int("tasks", 200_000);
        int workers = args.Int("workers", 2);
        string tasks = runner.TasksFile("noop.jsonl", count, i => string.Create(CultureInfo.InvariantCulture, $"{{\"n\":{i}}}"));
        var runs = await RepeatAsync(args, runner, "noop", tasks, workers).ConfigureAwait(false);

        var perRun = runs.Select(r => Details(r, new()
        {
            ["summary_wall_s"] = r.SummaryDouble("wallSeconds"),
            ["command_wall_s"] = r.CommandSeconds,
            ["command_tasks_per_s"] = count / r.CommandSeconds,
        })).ToList();
        FigureFile.Write(args.String("out"),
            Figure.FromRuns("noop_tasks_per_s", "tasks/s", runs.Select(r => r.SummaryDouble("tasksPerSecond")).ToArray()) with
            {
                Target = Target.AtLeast(100_000),
                Reference = new Reference("ceiling_round_trips_per_s", "Python multiprocessing.Pool(2): 61,000/s; Dask LocalCluster: 655/s (environment.md)"),
                Method = $"{count:N0} tasks whose handler does nothing, {workers} workers, through `dotnet grid run --local --no-build`: tasksPerSecond from the run's summary.json (scheduler start to last result, worker start-up included). The whole command's wall-clock is in the details.",
                Details = Figure.MedianDetails(perRun),
            });
        return 0;
    }

    public static async Task<int> Cpu10msAsync(BenchArgs args)
    {
        var runner = new ToolRunner(args);
        int count = args.Int("tasks", 2_000);
        int workers = args.Int("workers", 2);
        string tasks = runner.TasksFile("cpu10ms.jsonl", count, _ => "{\"spinMs\":10}");
        var runs = await RepeatAsync(args, runner, "cpu10ms", tasks, workers).ConfigureAwait(false);

        var perRun = runs.Select(r => Details(r, new()
        {
            ["summary_wall_s"] = r.SummaryDouble("wallSeconds"),
            ["busy_s"] = r.SummaryDouble("busySeconds"),
            ["slots"] = r.SummaryDouble("slots"),
            ["command_wall_s"] = r.CommandSeconds,
        })).ToList();
        FigureFile.Write(args.String("out"),
            Figure.FromRuns("cpu10ms_efficiency", "busy / (slots × wall)", runs.Select(r => r.SummaryDouble("efficiency")).ToArray()) with
            {
                Target = Target.AtLeast(0.98),
                Reference = new Reference(null, "Dask LocalCluster: 0.85 (environment.md)"),
                Method = $"{count:N0} tasks that each keep a CPU busy for 10 ms, {workers} workers of one slot each: efficiency from summary.json, the handlers' run time over slots × wall, where wall runs from the scheduler's start (workers not yet started) to the last result.",
                Details = Figure.MedianDetails(perRun),
            });
        return 0;
    }

    public static async Task<int> ResultAsync(BenchArgs args)
    {
        var runner = new ToolRunner(args);
        int count = args.Int("tasks", 500);
        int workers = args.Int("workers", 2);
        int bytes = args.Int("bytes", 1 << 20);
        string tasks = runner.TasksFile("result.jsonl", count, _ => string.Create(CultureInfo.InvariantCulture, $"{{\"outputBytes\":{bytes}}}"));
        double mib = (double)count * bytes / (1 << 20);
        double[] fileWrites = FileWriteMibPerSecond(runner.Work, count, bytes);
        Console.Error.WriteLine($"result: this machine writes {count} × {bytes:N0} bytes to a new file at {string.Join(" · ", fileWrites.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} MiB/s");
        double[] floors = FloorMibPerSecond(runner.Work, count, bytes, workers);
        Console.Error.WriteLine($"result: the same outputs through {workers} bare child processes into one file: {string.Join(" · ", floors.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} MiB/s (the reference)");

        // Each run's figures are read from its folder and the folder deleted before the next run, and each run, like
        // each of the floor's, starts just after more bytes than it will write went through a file in the work folder:
        // this virtual machine hands memory it has not used lately back to its host and is five times slower to write
        // into it, so without that a run's figure depends on what the host did in the seconds before (docs/performance.md).
        var perRun = new List<Dictionary<string, double>>();
        var runs = await RepeatAsync(args, runner, "result", tasks, workers, before: () => RecycleMemory(runner.Work, (long)count * bytes), measure: run =>
        {
            var ended = ResultTimes.Ended(Path.Combine(run.RunFolder, "results.jsonl"));
            double steady = ended.Count > 1 ? mib * (ended.Count - 1) / ended.Count / (ended[^1] - ended[0]).TotalSeconds : double.NaN;
            perRun.Add(Details(run, new()
            {
                ["summary_wall_s"] = run.SummaryDouble("wallSeconds"),
                ["command_wall_s"] = run.CommandSeconds,
                ["steady_mib_per_s"] = steady,
            }));
        }).ConfigureAwait(false);

        FigureFile.Write(args.String("out"),
            Figure.FromRuns("file_write_mib_per_s", "MiB/s", fileWrites) with
            {
                Method = $"This machine writing {count} × {bytes:N0} bytes (what results.jsonl holds of the outputs) to a new file in the bench's work folder, 1 MiB per write, each file deleted after, measured just before the runs. Nothing is written before the first, so it shows what writing into memory the machine has not used lately costs.",
            },
            Figure.FromRuns("result_floor_mib_per_s", "MiB/s", floors) with
            {
                Method = $"The result figure's work with nothing of Grid in it: {workers} new child processes of this bench each write {count / workers} Result frames of {bytes:N0} bytes to stdout; the parent cuts them with the bare framing and appends each body and a newline to one new file. From starting the children to the last write, so their start-up is in it, as the workers' is in the figure. Three times, each file deleted after and each time just after half as many bytes again went through a file of its own (as before each of the figure's runs): the reference for result_mib_per_s.",
            },
            Figure.FromRuns("result_mib_per_s", "MiB/s", runs.Select(r => mib / r.SummaryDouble("wallSeconds")).ToArray()) with
            {
                Target = Target.AtLeast(1_000),
                Reference = new Reference("result_floor_mib_per_s", null),
                Method = $"{count} tasks that each return a {bytes:N0}-character JSON string (the bench job builds the string once per size: the figure measures Grid moving outputs, not a handler making them), {workers} workers: output MiB over summary.json's wallSeconds (worker start-up included). steady_mib_per_s in the details leaves start-up out: first to last result's `ended`. Each run starts just after half as many bytes again as it writes went through a file in the work folder and were deleted, so that it writes into memory just freed: this virtual machine is about five times slower writing into memory its host has taken back (file_write_mib_per_s's first run shows it). The reference, result_floor_mib_per_s, is the same bytes through {workers} bare child processes into one file; file_write_mib_per_s is the file alone.",
                Details = Figure.MedianDetails(perRun),
            });
        return 0;
    }

    /// <summary>MiB/s of writing count × bytes to a new file in <paramref name="folder"/> in 1 MiB writes.</summary>
    private static double[] FileWriteMibPerSecond(string folder, int count, int bytes)
    {
        long total = (long)count * bytes;
        return TimedNewFiles(folder, "file-write", total, before: null, write: file => WriteBlocks(file, total));
    }

    /// <summary>Writes <paramref name="total"/> bytes of 'x' to <paramref name="file"/>, 1 MiB at a time.</summary>
    private static void WriteBlocks(FileStream file, long total)
    {
        var block = new byte[1 << 20];
        Array.Fill(block, (byte)'x');
        for (long written = 0; written < total; written += block.Length)
        {
            file.Write(block, 0, (int)Math.Min(block.Length, total - written));
        }
    }

    /// <summary>
    /// MiB/s of <paramref name="count"/> × <paramref name="bytes"/> written by <paramref name="children"/> new
    /// processes as Result frames and appended by this one to a new file, body and newline, as a head appends
    /// outputs to results.jsonl; from starting the children to the last write.
    /// </summary>
    private static double[] FloorMibPerSecond(string folder, int count, int bytes, int children) =>
        TimedNewFiles(folder, "result-floor", (long)count * bytes, before: () => RecycleMemory(folder, (long)count * bytes), write: file =>
        {
            var processes = Enumerable.Range(0, children)
                .Select(c => ChildProcess.StartSelf("ceiling-child", "--mode", "results", "--bytes", bytes.ToString(CultureInfo.InvariantCulture),
                    "--count", (count / children + (c < count % children ? 1 : 0)).ToString(CultureInfo.InvariantCulture)))
                .ToArray();
            try
            {
                var readers = processes.Select(p => new Thread(() => AppendBodies(p.Output, file))).ToArray();
                foreach (var reader in readers)
                {
                    reader.Start();
                }

                foreach (var reader in readers)
                {
                    reader.Join();
                }
            }
            finally
            {
                foreach (var process in processes)
                {
                    process.Dispose();
                }
            }
        });

    /// <summary>
    /// Three times: <paramref name="before"/> (untimed), then <paramref name="write"/> fills a new unbuffered file in
    /// <paramref name="folder"/> with <paramref name="bytes"/>, timed from its start to the file's close, and the file
    /// is deleted. MiB/s of each.
    /// </summary>
    private static double[] TimedNewFiles(string folder, string name, long bytes, Action? before, Action<FileStream> write)
    {
        var rates = new double[3];
        for (int i = 0; i < rates.Length; i++)
        {
            before?.Invoke();
            string path = Path.Combine(folder, $"{name}-{i}.bin");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                write(file);
            }

            rates[i] = bytes / (1024.0 * 1024) / clock.Elapsed.TotalSeconds;
            File.Delete(path);
        }

        return rates;
    }

    /// <summary>
    /// Writes half as much again as <paramref name="bytes"/> (a run's processes need memory beside its file) to a new
    /// file in <paramref name="folder"/> and deletes it, so that what the next measurement writes lands on memory just
    /// freed rather than on memory the virtual machine's host may have taken back: the same footing for every run of a
    /// figure and its reference.
    /// </summary>
    private static void RecycleMemory(string folder, long bytes)
    {
        string path = Path.Combine(folder, "recycle.bin");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            WriteBlocks(file, bytes * 3 / 2);
        }

        File.Delete(path);
    }

    /// <summary>Reads frames to the end of <paramref name="frames"/>, appending each one's body (after its fixed Result fields) and a newline.</summary>
    private static void AppendBodies(Stream frames, FileStream file)
    {
        const int ResultFields = 8 + 4 + 1 + 8;
        var header = new byte[Grid.Protocol.Protocol.HeaderBytes];
        var payload = Array.Empty<byte>();
        while (frames.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length)
        {
            int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (payload.Length < length)
            {
                payload = new byte[length];
            }

            frames.ReadExactly(payload, 0, length);
            lock (file)
            {
                file.Write(payload, ResultFields, length - ResultFields);
                file.WriteByte((byte)'\n');
            }
        }
    }

    /// <param name="measure">Reads what it needs from a run's folder before the folder is deleted.</param>
    /// <param name="before">Runs, untimed, just before each run.</param>
    private static async Task<List<ToolRun>> RepeatAsync(BenchArgs args, ToolRunner runner, string label, string tasks, int workers, Action? before = null, Action<ToolRun>? measure = null)
    {
        int repeat = args.Int("runs", 3);
        var runs = new List<ToolRun>();
        for (int i = 0; i < repeat; i++)
        {
            before?.Invoke();
            var run = await runner.RunAsync(label, tasks, workers).ConfigureAwait(false);
            Console.Error.WriteLine($"{label} run {i + 1}: {run.SummaryDouble("tasksPerSecond"):N0} tasks/s, wall {run.SummaryDouble("wallSeconds"):0.000} s (command {run.CommandSeconds:0.000} s), efficiency {run.SummaryDouble("efficiency"):0.0000}");
            measure?.Invoke(run);
            ToolRunner.Remove(run);

            runs.Add(run);
        }

        return runs;
    }

    /// <summary>A run's own figures plus its CPU time by role.</summary>
    private static Dictionary<string, double> Details(ToolRun run, Dictionary<string, double> figures)
    {
        foreach (var (name, value) in run.Cpu)
        {
            figures["cpu_" + name] = value;
        }

        return figures;
    }
}

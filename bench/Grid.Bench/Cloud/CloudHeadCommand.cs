using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grid.Tool.Head;
using Grid.Tool.Output;
using Grid.Tool.Tasks;

namespace Grid.Bench.Cloud;

/// <summary>
/// <c>cloud-head</c>: one run of the head on the cloud path, in a process of its own so that its CPU time and peak
/// memory are the head's alone. It loads the tasks, starts the worker simulator (another process), accepts and
/// handshakes every worker, then runs Grid's Scheduler with the real RunRecorder until every task has its result.
/// CPU time is Process.TotalProcessorTime over the scheduler's run (handshakes are counted apart);
/// memory is the peak working set (VmHWM) and the peak of the GC heap, sampled every 20 ms.
/// </summary>
internal static class CloudHeadCommand
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(BenchArgs args)
    {
        string tasksFile = Path.GetFullPath(args.String("tasks-file"));
        string work = Path.GetFullPath(args.String("work"));
        int workers = args.Int("workers", 1000);
        int slots = args.Int("slots", 2);
        var self = Process.GetCurrentProcess();

        var loadCpu = self.TotalProcessorTime;
        var tasks = TaskFileLoader.Load(tasksFile);
        loadCpu = self.TotalProcessorTime - loadCpu;

        using var certificate = BenchCertificate.Create();
        await using var launcher = new TlsWorkerLauncher(certificate);
        launcher.Start();
        string token = WorkerSimulator.NewToken();
        using var simulator = ChildProcess.Start(ChildProcess.DotnetHost,
        [
            typeof(CloudHeadCommand).Assembly.Location, "cloud-workers",
            "--port", launcher.Port.ToString(CultureInfo.InvariantCulture),
            "--workers", workers.ToString(CultureInfo.InvariantCulture),
            "--slots", slots.ToString(CultureInfo.InvariantCulture),
            "--thumbprint", BenchCertificate.Thumbprint(certificate),
            "--token", token,
        ], logFile: Path.Combine(work, $"simulator-{Environment.ProcessId}.log"));

        var connectCpu = self.TotalProcessorTime;
        var connectClock = Stopwatch.StartNew();
        await launcher.WaitForAsync(Math.Min(workers, tasks.Count), ConnectTimeout).ConfigureAwait(false);
        connectClock.Stop();
        connectCpu = self.TotalProcessorTime - connectCpu;

        string runId = $"cloud-{Environment.ProcessId}";
        var folder = new RunFolder(work, runId);
        RunStatistics statistics;
        var sampler = new MemorySampler();
        GC.Collect();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        self.Refresh();
        long workingSetBefore = self.WorkingSet64;
        var userBefore = self.UserProcessorTime;
        var systemBefore = self.PrivilegedProcessorTime;
        var clock = Stopwatch.StartNew();
        using (var recorder = new RunRecorder(folder, _ => { }))
        {
            var scheduler = new Scheduler(tasks, launcher, recorder, new SchedulerOptions { RunId = runId, Workers = workers });
            statistics = await scheduler.RunAsync().ConfigureAwait(false);
        }

        clock.Stop();
        self.Refresh();
        double user = (self.UserProcessorTime - userBefore).TotalSeconds;
        double system = (self.PrivilegedProcessorTime - systemBefore).TotalSeconds;
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        await sampler.DisposeAsync().ConfigureAwait(false);
        long peakWorkingSet = self.PeakWorkingSet64;

        if (statistics.Succeeded != tasks.Count)
        {
            throw new InvalidOperationException($"only {statistics.Succeeded} of {tasks.Count} tasks succeeded ({statistics.AbortReason}); see {folder.Path}");
        }

        await simulator.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        Directory.Delete(folder.Path, recursive: true);

        double count = tasks.Count;
        var figures = new Dictionary<string, double>
        {
            ["tasks"] = count,
            ["workers"] = workers,
            ["head_cpu_us_per_task"] = (user + system) * 1e6 / count,
            ["head_user_us_per_task"] = user * 1e6 / count,
            ["head_sys_us_per_task"] = system * 1e6 / count,
            ["head_bytes_per_task"] = peakWorkingSet / count,
            ["peak_working_set_mib"] = peakWorkingSet / (1024.0 * 1024),
            ["working_set_before_run_mib"] = workingSetBefore / (1024.0 * 1024),
            ["peak_gc_heap_bytes_per_task"] = sampler.PeakHeapBytes / count,
            ["peak_gc_heap_mib"] = sampler.PeakHeapBytes / (1024.0 * 1024),
            ["allocated_bytes_per_task"] = allocated / count,
            ["gen0_collections"] = GC.CollectionCount(0) - collectionsBefore[0],
            ["gen1_collections"] = GC.CollectionCount(1) - collectionsBefore[1],
            ["gen2_collections"] = GC.CollectionCount(2) - collectionsBefore[2],
            ["wall_s"] = clock.Elapsed.TotalSeconds,
            ["tasks_per_s"] = count / clock.Elapsed.TotalSeconds,
            ["connect_s"] = connectClock.Elapsed.TotalSeconds,
            ["handshake_cpu_us_per_worker"] = connectCpu.TotalMicroseconds / workers,
            ["load_tasks_cpu_us_per_task"] = loadCpu.TotalMicroseconds / count,
        };
        File.WriteAllText(args.String("out"), JsonSerializer.Serialize(figures));
        return 0;
    }

    /// <summary>The GC heap's peak (bytes in use, as GC.GetTotalMemory sees them), sampled every 20 ms.</summary>
    private sealed class MemorySampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public MemorySampler()
        {
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    PeakHeapBytes = Math.Max(PeakHeapBytes, GC.GetTotalMemory(forceFullCollection: false));
                    try
                    {
                        await Task.Delay(20, _stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
        }

        public long PeakHeapBytes { get; private set; }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            _stop.Dispose();
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Grid.Tool.Backends;
using Grid.Tool.Head;
using Grid.Tool.Output;
using Grid.Tool.Tasks;

namespace Grid.Bench.Cloud;

/// <summary>
/// <c>cloud-head</c>: one run of the head on the cloud path, in a process of its own so that its CPU time and peak
/// memory are the head's alone. It loads the tasks, opens the tool's RemoteWorkerPool, starts the worker simulator
/// (another process) whose workers dial in and are admitted, then runs Grid's Scheduler over the pool with the real
/// RunRecorder until every task has its result.
/// CPU time is Process.TotalProcessorTime over the scheduler's run (handshakes and admission are counted apart);
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

        string runId = $"cloud-{Environment.ProcessId}";
        using var credentials = RunCredentials.Create(runId, TimeSpan.FromHours(1));
        await using var pool = new RemoteWorkerPool(credentials, _ => new SimulatedCapacity(), new RemoteWorkerPoolOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) });
        using var simulator = ChildProcess.Start(ChildProcess.DotnetHost,
        [
            typeof(CloudHeadCommand).Assembly.Location, "cloud-workers",
            "--port", pool.Endpoint.Port.ToString(CultureInfo.InvariantCulture),
            "--workers", workers.ToString(CultureInfo.InvariantCulture),
            "--slots", slots.ToString(CultureInfo.InvariantCulture),
            "--pin", credentials.Pin,
            "--token", credentials.Token,
        ], logFile: Path.Combine(work, $"simulator-{Environment.ProcessId}.log"));

        // Every worker dials in and is admitted (handshake, Hello, token) before the run: the pool keeps them until
        // the scheduler asks, so admission is counted apart, as the handshakes are.
        var connectCpu = self.TotalProcessorTime;
        var connectClock = Stopwatch.StartNew();
        await WaitForAdmittedAsync(pool, Math.Min(workers, tasks.Count)).ConfigureAwait(false);
        connectClock.Stop();
        connectCpu = self.TotalProcessorTime - connectCpu;

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
            var scheduler = new Scheduler(tasks, pool, recorder, new SchedulerOptions { RunId = runId, Workers = workers, RunToken = pool.RunToken });
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

    private static async Task WaitForAdmittedAsync(RemoteWorkerPool pool, int count)
    {
        var deadline = Stopwatch.StartNew();
        while (pool.Admitted < count)
        {
            if (deadline.Elapsed > ConnectTimeout)
            {
                throw new TimeoutException($"only {pool.Admitted} of {count} workers were admitted within {ConnectTimeout.TotalSeconds:0} s ({pool.Refused} refused)");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    /// <summary>The simulator starts every worker at once, before the run: the pool never has to ask for one.</summary>
    private sealed class SimulatedCapacity : IWorkerCapacity
    {
        public string Describe(int workers) => $"{workers} simulated workers on loopback";

        public Task RequestAsync(int count, CancellationToken cancellationToken) => Task.CompletedTask;
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

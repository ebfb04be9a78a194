using System.Text;
using Grid.Tool.Backends;
using Grid.Tool.Head;
using Grid.Tool.Output;
using Grid.Tool.Tasks;

namespace Grid.Tool.Tests;

/// <summary>
/// A run whose workers dial the head: a <see cref="RemoteWorkerPool"/> on loopback, and real test-job processes
/// started by <see cref="LocalDialCapacity"/> that connect to it over TLS.
/// </summary>
public sealed class DialRun : IAsyncDisposable
{
    private readonly RunRecorder _recorder;
    private readonly RunCredentials _credentials;
    private bool _disposed;

    public DialRun(ToolRun run, IReadOnlyDictionary<string, string>? environment = null, RemoteWorkerPoolOptions? options = null, int slots = 2)
    {
        Folder = new RunFolder(run.Directory, "r");
        _recorder = new RunRecorder(Folder, Notices.Enqueue);
        _credentials = RunCredentials.Create("r", TimeSpan.FromHours(1));
        var handle = new Commands.RecorderHandle(_recorder);
        Pool = new RemoteWorkerPool(
            _credentials,
            head => Capacity = new LocalDialCapacity(
                head,
                Build.JobProject.DotnetHost,
                [TestJob.Assembly, "--grid-slots", slots.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                environment ?? new Dictionary<string, string>(),
                handle.WorkerStderr),
            (options ?? new RemoteWorkerPoolOptions()) with { Endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), Notice = Notices.Enqueue });
    }

    public RunFolder Folder { get; }

    public RemoteWorkerPool Pool { get; }

    public LocalDialCapacity Capacity { get; private set; } = null!;

    public string Pin => _credentials.Pin;

    public string Token => _credentials.Token;

    /// <summary>What the recorder and the pool reported.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Notices { get; } = new();

    /// <summary>Task inputs t0…t(n-1), each with the given extra JSON fields.</summary>
    public static InMemoryTaskList Tasks(int count, string extra = "")
    {
        var ids = Enumerable.Range(0, count).Select(i => $"t{i}").ToArray();
        var inputs = ids.Select(id => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"{extra}}}")).ToArray();
        return new InMemoryTaskList("test", ids, inputs);
    }

    /// <summary>Runs the scheduler over the pool (or a launcher wrapping it) with the run's token.</summary>
    public async Task<RunStatistics> RunAsync(TaskList tasks, int workers = 3, IWorkerLauncher? launcher = null, Func<SchedulerOptions, SchedulerOptions>? configure = null, Action<RunStatistics>? onProgress = null)
    {
        var options = new SchedulerOptions { RunId = "r", Workers = workers, RunToken = Pool.RunToken };
        var scheduler = new Scheduler(tasks, launcher ?? Pool, _recorder, configure?.Invoke(options) ?? options) { OnProgress = onProgress };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var statistics = await scheduler.RunAsync(timeout.Token);
        _recorder.Flush();
        return statistics;
    }

    /// <summary>Stops the pool, sends home workers it still holds, and waits for every worker process to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await Pool.DisposeAsync();
        _recorder.Dispose();
        _credentials.Dispose();
    }
}

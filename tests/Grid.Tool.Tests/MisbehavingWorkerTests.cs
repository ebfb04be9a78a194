using System.Text;
using Grid.Protocol.Messages;
using Grid.Tool.Head;
using Grid.Tool.Output;
using Grid.Tool.Tasks;

namespace Grid.Tool.Tests;

public sealed class MisbehavingWorkerTests
{
    [Fact]
    public async Task WorkerThatSendsGarbageIsDroppedWithAProtocolErrorAndItsTasksRequeued()
    {
        using var run = new ToolRun();
        Func<FakeWorker, CancellationToken, Task> script = async (fake, ct) =>
        {
            await fake.HelloAsync(slots: 4);
            await fake.ReceiveAsync<Welcome>(ct);
            await fake.ReceiveAsync<TaskMessage>(ct);
            await fake.SendRawAsync([0x03, 0, 0, 0, 0x7E, 1, 2, 3]);
        };

        var (statistics, folder, fakeId) = await RunSchedulerAsync(run, 300, script);

        Assert.Equal(300, statistics.Succeeded);
        var results = ResultLine.ReadAll(folder.Results);
        Assert.Equal(300, results.Select(r => r.Id).Distinct().Count());
        Assert.DoesNotContain(results, r => r.Worker == fakeId);
        Assert.Contains(results, r => r.Attempts == 2);
        Assert.Contains("GRID6002", File.ReadAllText(folder.WorkerLog(fakeId)), StringComparison.Ordinal);
        Assert.Equal(0, statistics.ApplicationRetries);
    }

    [Fact]
    public async Task ResultOfAStaleAttemptIsFencedAndNeverWrittenTwice()
    {
        using var run = new ToolRun();
        Func<FakeWorker, CancellationToken, Task> script = async (fake, ct) =>
        {
            await fake.HelloAsync();
            await fake.ReceiveAsync<Welcome>(ct);
            var task = await fake.ReceiveAsync<TaskMessage>(ct);
            await fake.SendAsync(new Started(task.Key, task.Attempt));
            await fake.SendAsync(new Drain(30_000, "test"));
            await fake.SendAsync(new Result(task.Key, task.Attempt, Outcome.Succeeded, 10, Encoding.UTF8.GetBytes("{\"stale\":true}")));
            await fake.SendAsync(new Result(task.Key, task.Attempt, Outcome.Succeeded, 10, Encoding.UTF8.GetBytes("{\"stale\":true}")));
            await fake.ReceiveAsync<Shutdown>(ct);
        };

        var (statistics, folder, fakeId) = await RunSchedulerAsync(run, 50, script);

        Assert.Equal(50, statistics.Succeeded);
        Assert.True(statistics.FencedResults >= 2, $"fenced {statistics.FencedResults}");
        var results = ResultLine.ReadAll(folder.Results);
        Assert.Equal(50, results.Count);
        Assert.Equal(50, results.Select(r => r.Id).Distinct().Count());
        Assert.DoesNotContain(results, r => r.Output?["stale"] is not null);
    }

    [Fact]
    public async Task SilentWorkerLosesItsLeaseAndItsTasksRunElsewhere()
    {
        using var run = new ToolRun();
        Func<FakeWorker, CancellationToken, Task> script = async (fake, ct) =>
        {
            await fake.HelloAsync(slots: 2);
            await fake.ReceiveAsync<Welcome>(ct);
            await fake.ReceiveAsync<TaskMessage>(ct);
            await Task.Delay(Timeout.Infinite, ct);
        };

        var (statistics, folder, fakeId) = await RunSchedulerAsync(run, 40, script, o => o with { Lease = TimeSpan.FromSeconds(1) });

        Assert.Equal(40, statistics.Succeeded);
        Assert.True(statistics.WorkersLost >= 1);
        Assert.Contains("GRID6010", File.ReadAllText(folder.WorkerLog(fakeId)), StringComparison.Ordinal);
    }

    private static async Task<(RunStatistics, RunFolder, string)> RunSchedulerAsync(ToolRun run, int count, Func<FakeWorker, CancellationToken, Task> script, Func<SchedulerOptions, SchedulerOptions>? configure = null)
    {
        var folder = new RunFolder(run.Directory, "r");
        using var recorder = new RunRecorder(folder, _ => { });
        var real = ToolRun.Workers(TestJob.Assembly, new Commands.RecorderHandle(recorder));
        var launcher = new FirstIsFakeLauncher(real, script);
        var ids = Enumerable.Range(0, count).Select(i => $"t{i}").ToArray();
        var inputs = ids.Select(id => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}")).ToArray();
        var options = new SchedulerOptions { RunId = "r", Workers = 2 };
        var scheduler = new Scheduler(new InMemoryTaskList("test", ids, inputs), launcher, recorder, configure?.Invoke(options) ?? options);
        var statistics = await scheduler.RunAsync();
        recorder.Flush();
        return (statistics, folder, launcher.FakeId!);
    }
}

using System.Collections.Concurrent;
using System.Text;
using Grid.Protocol.Messages;
using Grid.Tool.Backends;
using Grid.Tool.Head;
using Grid.Tool.Output;
using Grid.Tool.Tasks;

namespace Grid.Tool.Tests;

public sealed class FaultInjectionTests
{
    [Fact]
    public async Task ResultsDroppedOnceAreResentAndCommittedOnceWithoutRerunningTheirTasks()
    {
        var dropped = new ConcurrentDictionary<(ulong, uint), bool>();
        var random = new Random(5);
        var (statistics, results, launcher) = await RunAsync(2000, real => new FaultyLauncher(real, fromWorker: m =>
            m is Result r && Chance(random, 0.05) && dropped.TryAdd((r.Key, r.Attempt), true) ? Fault.Drop : Fault.Pass));

        Assert.InRange(launcher.Dropped, 50, 200);
        AssertEveryTaskOnce(2000, statistics, results);
        Assert.All(results, r => Assert.Equal(1, r.Attempts));
    }

    [Fact]
    public async Task TaskFramesLostOnTheWayAreNoticedAndSentAgainUncharged()
    {
        var dropped = new ConcurrentDictionary<ulong, bool>();
        var random = new Random(13);
        var (statistics, results, launcher) = await RunAsync(1500, real => new FaultyLauncher(real, toWorker: m =>
            m is TaskMessage t && Chance(random, 0.03) && dropped.TryAdd(t.Key, true) ? Fault.Drop : Fault.Pass));

        Assert.InRange(launcher.Dropped, 20, 100);
        AssertEveryTaskOnce(1500, statistics, results);
        Assert.True(statistics.InfrastructureRetries >= launcher.Dropped, $"{statistics.InfrastructureRetries} requeued of {launcher.Dropped} dropped");
        Assert.Equal(0, statistics.ApplicationRetries);
    }

    [Fact]
    public async Task DuplicatedResultsAreFenced()
    {
        var random = new Random(7);
        var (statistics, results, launcher) = await RunAsync(1000, real => new FaultyLauncher(real, fromWorker: m =>
            m is Result && Chance(random, 0.1) ? Fault.Duplicate : Fault.Pass));

        Assert.True(launcher.Duplicated > 50);
        AssertEveryTaskOnce(1000, statistics, results);
        Assert.True(statistics.FencedResults >= launcher.Duplicated, $"{statistics.FencedResults} fenced of {launcher.Duplicated} duplicated");
    }

    [Fact]
    public async Task CutConnectionsLoseNoTask()
    {
        int frames = 0;
        var (statistics, results, launcher) = await RunAsync(1500, real => new FaultyLauncher(real, fromWorker: m =>
            m is Result && Interlocked.Increment(ref frames) % 300 == 0 ? Fault.Cut : Fault.Pass));

        Assert.True(launcher.Cut >= 3);
        AssertEveryTaskOnce(1500, statistics, results);
        Assert.True(statistics.InfrastructureRetries > 0);
    }

    [Fact]
    public async Task DelayedFramesChangeNothingButTime()
    {
        var random = new Random(11);
        var (statistics, results, _) = await RunAsync(300, real => new FaultyLauncher(real, delay: _ =>
        {
            lock (random)
            {
                return TimeSpan.FromMilliseconds(random.Next(0, 3));
            }
        }));

        AssertEveryTaskOnce(300, statistics, results);
    }

    private static bool Chance(Random random, double p)
    {
        lock (random)
        {
            return random.NextDouble() < p;
        }
    }

    private static void AssertEveryTaskOnce(int count, RunStatistics statistics, IReadOnlyList<ResultLine> results)
    {
        Assert.Equal(count, statistics.Succeeded);
        Assert.Equal(count, results.Count);
        Assert.Equal(count, results.Select(r => r.Id).Distinct().Count());
        Assert.All(results, r => Assert.Equal(r.Id, (string?)r.Output!["id"]));
    }

    private static async Task<(RunStatistics, IReadOnlyList<ResultLine>, FaultyLauncher)> RunAsync(int count, Func<IWorkerLauncher, FaultyLauncher> wrap)
    {
        using var run = new ToolRun();
        var folder = new RunFolder(run.Directory, "faults");
        var ids = Enumerable.Range(0, count).Select(i => $"t{i}").ToArray();
        var inputs = ids.Select(id => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\"}}")).ToArray();
        FaultyLauncher launcher;
        RunStatistics statistics;
        using (var recorder = new RunRecorder(folder, _ => { }))
        {
            launcher = wrap(ToolRun.Workers(TestJob.Assembly, new Commands.RecorderHandle(recorder)));
            var options = new SchedulerOptions { RunId = "faults", Workers = 2, MaxAttempts = 1 };
            statistics = await new Scheduler(new InMemoryTaskList("faults", ids, inputs), launcher, recorder, options).RunAsync()
                .WaitAsync(TimeSpan.FromMinutes(2));
        }

        return (statistics, ResultLine.ReadAll(folder.Results), launcher);
    }
}

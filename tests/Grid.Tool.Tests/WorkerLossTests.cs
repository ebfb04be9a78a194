using System.Collections.Concurrent;
using Grid.Tool.Backends;
using Grid.Tool.Commands;

namespace Grid.Tool.Tests;

public sealed class WorkerLossTests
{
    [Fact]
    public async Task WorkersKilledAgainAndAgainLoseNoTaskAndChargeNoRetryBudget()
    {
        using var run = new ToolRun();
        // 5,000 tasks in CI; eng/chaos.sh runs 10,000 and more through GRID_CHAOS_TASKS.
        int count = int.TryParse(Environment.GetEnvironmentVariable("GRID_CHAOS_TASKS"), out int chaos) && chaos > 0 ? chaos : 5000;
        string file = TestJob.WriteTasks(run.Directory, TestJob.Plain(count, _ => new() { ["spinMs"] = 1 }));
        KillingLauncher? killer = null;

        int exit = await run.RunWithLauncherAsync(
            (assembly, _, recorder) => killer = new KillingLauncher(ToolRun.Workers(assembly, recorder), TimeSpan.FromMilliseconds(300)),
            new RunOptions { TasksFile = file, Workers = 2, RunId = "chaos", MaxAttempts = 1, WorkingDirectory = run.Directory });

        killer!.Dispose();
        Assert.True(exit == 0, run.Error);
        Assert.True(killer.Kills >= 5, $"only {killer.Kills} kills happened");
        var results = ResultLine.ReadAll(Path.Combine(run.RunFolder("chaos"), "results.jsonl"));
        Assert.Equal(count, results.Count);
        Assert.Equal(count, results.Select(r => r.Id).Distinct().Count());
        Assert.All(results, r => Assert.Equal("succeeded", r.Status));
        Assert.Contains(results, r => r.Attempts > 1);
        var summary = SummaryFile.Read(run.RunFolder("chaos"));
        Assert.Equal(0, summary.Count("applicationRetries"));
        Assert.True(summary.Count("infrastructureRetries") > 0);
        Assert.True(summary.Count("workersLost") >= 3, $"{summary.Count("workersLost")} workers lost");
        Assert.Equal(0, new FileInfo(Path.Combine(run.RunFolder("chaos"), "errors.jsonl")).Length);
        var lost = File.ReadAllLines(Path.Combine(run.RunFolder("chaos"), "attempts.jsonl")).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToList();
        Assert.Equal(summary.Count("infrastructureRetries"), lost.Count);
        Assert.All(lost, a => Assert.Equal("lost", (string?)a["outcome"]));
        Assert.All(lost, a => Assert.Equal("killed", (string?)a["cause"]));
        Assert.True(summary["workerEnds"]!["killed"]!.GetValue<int>() >= 3);
        Assert.Equal(summary.Count("workersStarted"), File.ReadAllLines(Path.Combine(run.RunFolder("chaos"), "workers.jsonl")).Length);
    }

    /// <summary>Starts real workers and SIGKILLs a random live one at a steady interval.</summary>
    private sealed class KillingLauncher : IWorkerLauncher, IDisposable
    {
        private readonly IWorkerLauncher _inner;
        private readonly ConcurrentDictionary<string, (IWorkerHandle Handle, DateTime Launched)> _live = new();
        private readonly Timer _timer;
        private int _kills;

        public KillingLauncher(IWorkerLauncher inner, TimeSpan interval)
        {
            _inner = inner;
            _timer = new Timer(_ => KillOne(), null, interval, interval);
        }

        public int Kills => _kills;

        public string Describe(int workers) => _inner.Describe(workers) + " (killed at random)";

        public async Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken)
        {
            var handle = await _inner.LaunchAsync(workerId, cancellationToken);
            _live[workerId] = (handle, DateTime.UtcNow);
            _ = handle.Exited.ContinueWith(_ => _live.TryRemove(workerId, out var _), TaskScheduler.Default);
            return handle;
        }

        public void Dispose() => _timer.Dispose();

        private void KillOne()
        {
            // Workers that have had time to start: this is about losing workers mid-run, not at boot.
            var live = _live.Values.Where(w => DateTime.UtcNow - w.Launched > TimeSpan.FromMilliseconds(500)).ToArray();
            if (live.Length > 0)
            {
                live[Random.Shared.Next(live.Length)].Handle.Kill();
                Interlocked.Increment(ref _kills);
            }
        }
    }
}

public sealed class StartFailureTests
{
    [Fact]
    public async Task JobThatDiesAtStartUpAbortsTheRunWithGrid6011()
    {
        using var run = new ToolRun();
        string file = TestJob.WriteTasks(run.Directory, TestJob.Plain(10));

        int exit = await run.RunWithLauncherAsync(
            (_, _, recorder) => new LocalProcessLauncher("/bin/sh", ["-c", "echo 'starting' >&2; echo 'Unhandled exception. System.InvalidOperationException: config missing' >&2; echo '   at Program.Main()' >&2; exit 3"], new Dictionary<string, string>(), recorder.WorkerStderr),
            new RunOptions { TasksFile = file, Workers = 2, RunId = "dead", WorkingDirectory = run.Directory });

        Assert.Equal(4, exit);
        Assert.Contains("GRID6011", run.Error, StringComparison.Ordinal);

        // The abort names the exception the job printed, not only its exit code: no need to go and find the log.
        Assert.Contains("exited with code 3; it printed: Unhandled exception. System.InvalidOperationException: config missing)", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("at Program.Main", run.Error, StringComparison.Ordinal);
        var summary = SummaryFile.Read(run.RunFolder("dead"));
        Assert.Equal(10, summary.Count("notRun"));
        Assert.InRange(summary.Count("workersStarted"), 5, 8);
        string logs = string.Join('\n', Directory.GetFiles(Path.Combine(run.RunFolder("dead"), "logs", "workers")).Select(File.ReadAllText));
        Assert.Contains("config missing", logs, StringComparison.Ordinal);
        Assert.EndsWith("run dead: 0 succeeded, 10 failed", run.Out.TrimEnd(), StringComparison.Ordinal);
    }
}

using System.Text.Json.Nodes;

namespace Grid.Tool.Tests;

public sealed class LocalRunTests
{
    [Fact]
    public async Task EveryTaskGetsExactlyOneSuccessfulResult()
    {
        using var run = new ToolRun();
        string tasks = TestJob.WriteTasks(run.Directory, TestJob.Plain(1000));

        int exit = await run.RunAsync("--tasks", tasks, "--workers", "2", "--run-id", "r1");

        Assert.True(exit == 0, run.Error + run.Out);
        var results = ResultLine.ReadAll(Path.Combine(run.RunFolder("r1"), "results.jsonl"));
        Assert.Equal(1000, results.Count);
        Assert.Equal(1000, results.Select(r => r.Id).Distinct().Count());
        Assert.All(results, r => Assert.Equal("succeeded", r.Status));
        Assert.All(results, r => Assert.Equal(r.Id, (string?)r.Output!["id"]));
        var summary = SummaryFile.Read(run.RunFolder("r1"));
        Assert.Equal(1000, summary.Count("succeeded"));
        Assert.Equal(0, summary.Count("failed"));
        Assert.EndsWith("run r1: 1000 succeeded, 0 failed", run.Out.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SummaryTableListsTheRunsFigures()
    {
        using var run = new ToolRun();
        string tasks = TestJob.WriteTasks(run.Directory, TestJob.Plain(20));

        int exit = await run.RunAsync("--tasks", tasks, "--workers", "2", "--run-id", "table");

        Assert.Equal(0, exit);
        foreach (var row in new[] { "tasks", "succeeded", "failed", "retried", "quarantined", "wall time", "tasks/s", "task duration (min/median/max)", "efficiency" })
        {
            Assert.Contains(row, run.Out, StringComparison.Ordinal);
        }

        var summary = SummaryFile.Read(run.RunFolder("table"));
        Assert.InRange(summary["efficiency"]!.GetValue<double>(), 0.0, 1.0);
        Assert.NotNull(summary["taskDurationMs"]);
    }

    [Fact]
    public async Task TasksJsonlInTheWorkingFolderIsTheDefaultTaskList()
    {
        using var run = new ToolRun();
        TestJob.WriteTasks(run.Directory, TestJob.Plain(7));

        int exit = await run.RunAsync("--run-id", "default");

        Assert.True(exit == 0, run.Error);
        Assert.Equal(7, ResultLine.ReadAll(Path.Combine(run.RunFolder("default"), "results.jsonl")).Count);
    }

    [Fact]
    public async Task TaskIdsThatLookLikePathsNeverEscapeTheRunFolder()
    {
        using var run = new ToolRun();
        string file = Path.Combine(run.Directory, "tasks.jsonl");
        File.WriteAllLines(file, ["{\"id\":\"../../escape\",\"print\":10}", "{\"id\":\"/etc/passwd\",\"print\":10}", "{\"id\":\"..\",\"print\":10}"]);

        int exit = await run.RunAsync("--tasks", file, "--workers", "1", "--run-id", "paths");

        Assert.True(exit == 0, run.Error);
        string logs = Path.Combine(run.RunFolder("paths"), "logs");
        var written = Directory.GetFiles(run.Directory, "*.log", SearchOption.AllDirectories).Where(f => !f.Contains("workers", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, written.Length);
        Assert.All(written, f => Assert.Equal(logs, Path.GetDirectoryName(f)));
        Assert.All(ResultLine.ReadAll(Path.Combine(run.RunFolder("paths"), "results.jsonl")), r => Assert.StartsWith("logs/", r.Log, StringComparison.Ordinal));
    }

    [Fact]
    public async Task InputsGlobMakesOneTaskPerFile()
    {
        using var run = new ToolRun();
        string data = Path.Combine(run.Directory, "data", "nested");
        Directory.CreateDirectory(data);
        for (int i = 0; i < 5; i++)
        {
            File.WriteAllText(Path.Combine(data, $"f{i}.json"), new JsonObject { ["n"] = i }.ToJsonString());
        }

        File.WriteAllText(Path.Combine(data, "skip.txt"), "not a task");

        int exit = await run.RunAsync("--inputs", "data/**/*.json", "--workers", "1", "--run-id", "glob");

        Assert.True(exit == 0, run.Error);
        var ids = ResultLine.ReadAll(Path.Combine(run.RunFolder("glob"), "results.jsonl")).Select(r => r.Id).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"nested/f{i}.json"), ids);
    }

    [Fact]
    public async Task HandlerFailuresAreRetriedThenRecordedWithTheirException()
    {
        using var run = new ToolRun();
        string tasks = TestJob.WriteTasks(run.Directory, TestJob.Plain(200, i => i % 10 == 3 ? new JsonObject { ["throw"] = $"bad input {i}" } : []));

        int exit = await run.RunAsync("--tasks", tasks, "--workers", "2", "--max-attempts", "2", "--run-id", "fail");

        Assert.Equal(1, exit);
        var results = ResultLine.ReadAll(Path.Combine(run.RunFolder("fail"), "results.jsonl"));
        Assert.Equal(200, results.Count);
        var failed = results.Where(r => r.Status == "failed").ToList();
        Assert.Equal(20, failed.Count);
        Assert.All(failed, r =>
        {
            Assert.Equal(2, r.Attempts);
            Assert.Equal("System.InvalidOperationException", (string?)r.Error!["type"]);
            Assert.StartsWith("bad input", (string?)r.Error!["message"], StringComparison.Ordinal);
            Assert.Contains("at ", (string?)r.Error!["stack"], StringComparison.Ordinal);
        });
        Assert.All(results.Where(r => r.Status != "failed"), r => Assert.Equal("succeeded", r.Status));

        var errors = File.ReadAllLines(Path.Combine(run.RunFolder("fail"), "errors.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(40, errors.Count);
        Assert.Equal(20, errors.Count(e => (bool)e["final"]!));
        Assert.EndsWith("run fail: 180 succeeded, 20 failed", run.Out.TrimEnd(), StringComparison.Ordinal);
        var summary = SummaryFile.Read(run.RunFolder("fail"));
        Assert.Equal(20, summary.Count("applicationRetries"));
        var retried = File.ReadAllLines(Path.Combine(run.RunFolder("fail"), "attempts.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(20, retried.Count);
        Assert.All(retried, a => Assert.Equal("failed", (string?)a["outcome"]));
        Assert.All(retried, a => Assert.NotNull(a["started"]));
        Assert.Equal(20, summary.Count("retried"));
    }

    [Fact]
    public async Task TenMegabytesOfPrintsLandInTheTasksLogWithoutCorruptingTheProtocol()
    {
        using var run = new ToolRun();
        var tasks = TestJob.Plain(10).ToList();
        tasks[4]["print"] = 10_000_000;
        string file = TestJob.WriteTasks(run.Directory, tasks);

        int exit = await run.RunAsync("--tasks", file, "--workers", "2", "--run-id", "loud");

        Assert.True(exit == 0, run.Error);
        var results = ResultLine.ReadAll(Path.Combine(run.RunFolder("loud"), "results.jsonl"));
        Assert.All(results, r => Assert.Equal("succeeded", r.Status));
        var loud = results.Single(r => r.Id == "t4");
        Assert.NotNull(loud.Log);
        var log = new FileInfo(Path.Combine(run.RunFolder("loud"), loud.Log!));
        Assert.InRange(log.Length, 10_000_000, 10_200_000);
        var lines = File.ReadLines(log.FullName).Where(l => !l.StartsWith("---", StringComparison.Ordinal)).ToList();
        Assert.All(lines.Take(lines.Count - 1), l => Assert.Equal(99, l.Length));
    }

    [Fact]
    public async Task HangingHandlerIsCancelledThenItsWorkerKilledAndTheTaskTimesOut()
    {
        using var run = new ToolRun();
        var tasks = TestJob.Plain(6).ToList();
        tasks[2]["hang"] = true;
        string file = TestJob.WriteTasks(run.Directory, tasks);

        int exit = await run.RunAsync("--tasks", file, "--workers", "2", "--timeout", "1s", "--cancel-grace", "1s", "--max-attempts", "1", "--run-id", "hang");

        Assert.Equal(1, exit);
        var results = ResultLine.ReadAll(Path.Combine(run.RunFolder("hang"), "results.jsonl"));
        Assert.Equal(6, results.Count);
        var hung = results.Single(r => r.Id == "t2");
        Assert.Equal("timed_out", hung.Status);
        Assert.Equal("GRID6012", (string?)hung.Error!["code"]);
        Assert.All(results.Where(r => r.Id != "t2"), r => Assert.Equal("succeeded", r.Status));
        string workerLogs = string.Join('\n', Directory.GetFiles(Path.Combine(run.RunFolder("hang"), "logs", "workers")).Select(File.ReadAllText));
        Assert.Contains("killed by the head", workerLogs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskThatKillsItsWorkerIsQuarantinedAndTheRunGoesOn()
    {
        using var run = new ToolRun();
        var tasks = TestJob.Plain(30).ToList();
        tasks[7]["exit"] = 137;
        string file = TestJob.WriteTasks(run.Directory, tasks);

        int exit = await run.RunAsync("--tasks", file, "--workers", "2", "--run-id", "poison");

        Assert.Equal(1, exit);
        var results = ResultLine.ReadAll(Path.Combine(run.RunFolder("poison"), "results.jsonl"));
        Assert.Equal(30, results.Count);
        var poison = results.Single(r => r.Id == "t7");
        Assert.Equal("quarantined", poison.Status);
        Assert.Equal(3, poison.Attempts);
        Assert.Equal("GRID6013", (string?)poison.Error!["code"]);
        Assert.Equal(29, results.Count(r => r.Status == "succeeded"));
        Assert.Equal(1, SummaryFile.Read(run.RunFolder("poison")).Count("quarantined"));
    }
}

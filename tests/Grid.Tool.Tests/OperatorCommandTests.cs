using System.Text.Json;
using System.Text.Json.Nodes;
using Grid.Tool.Commands;

namespace Grid.Tool.Tests;

public sealed class OperatorCommandTests
{
    [Fact]
    public async Task ReproOfAFailedTaskThrowsTheSameExceptionAndExitsOne()
    {
        using var run = new ToolRun();
        var tasks = TestJob.Plain(6).ToList();
        tasks[3]["throw"] = "bad input 3";
        TestJob.WriteTasks(run.Directory, tasks);
        Assert.Equal(1, await run.RunAsync("--workers", "1", "--max-attempts", "1", "--run-id", "r"));

        var (exit, output, error) = await GridAsync(run.Directory, "repro", "r", "t3");

        Assert.Equal(1, exit);
        Assert.Contains("System.InvalidOperationException: bad input 3", error, StringComparison.Ordinal);
        Assert.Contains("in the run: failed after 1 attempt: System.InvalidOperationException: bad input 3", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task ReproOfASucceededTaskPrintsItsOutputAndExitsZero()
    {
        using var run = new ToolRun();
        TestJob.WriteTasks(run.Directory, TestJob.Plain(4));
        Assert.Equal(0, await run.RunAsync("--workers", "1", "--run-id", "r"));

        var (exit, output, error) = await GridAsync(run.Directory, "repro", "r", "t2");

        Assert.True(exit == 0, error);
        var printed = JsonNode.Parse(output)!;
        Assert.Equal("t2", (string?)printed["id"]);
        var result = ResultLine.ReadAll(Path.Combine(run.RunFolder("r"), "results.jsonl")).Single(r => r.Id == "t2");
        Assert.Equal((int)result.Output!["value"]!, (int)printed["value"]!);
    }

    [Fact]
    public async Task ReproFindsATaskWithoutAnIdByItsLineNumber()
    {
        using var run = new ToolRun();
        File.WriteAllLines(Path.Combine(run.Directory, "tasks.jsonl"), ["{\"n\":1}", "", "{\"throw\":\"line three\"}"]);
        Assert.Equal(1, await run.RunAsync("--workers", "1", "--max-attempts", "1", "--run-id", "r"));

        var third = await GridAsync(run.Directory, "repro", "r", "3");
        var blank = await GridAsync(run.Directory, "repro", "r", "2");

        Assert.Equal(1, third.Exit);
        Assert.Contains("line three", third.Error, StringComparison.Ordinal);
        Assert.Equal(2, blank.Exit);
        Assert.StartsWith("GRID5021:", blank.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReproRefusesBothContainerAndInline()
    {
        using var run = new ToolRun();
        TestJob.WriteTasks(run.Directory, TestJob.Plain(1));
        Assert.Equal(0, await run.RunAsync("--workers", "1", "--run-id", "r"));

        var (exit, output, error) = await GridAsync(run.Directory, "repro", "r", "t0", "--container", "--inline");

        Assert.Equal(2, exit);
        Assert.StartsWith("GRID5010:", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task ReproOfAContainerRunWhoseRecordNamesNoImageFailsWithGrid2104()
    {
        using var run = new ToolRun();
        TestJob.WriteTasks(run.Directory, TestJob.Plain(1));
        Assert.Equal(0, await run.RunAsync("--workers", "1", "--run-id", "r"));
        string runJson = Path.Combine(run.RunFolder("r"), "run.json");
        var record = JsonNode.Parse(File.ReadAllText(runJson))!.AsObject();
        record["backend"] = "container";
        File.WriteAllText(runJson, record.ToJsonString());

        var (exit, _, error) = await GridAsync(run.Directory, "repro", "r", "t0");

        // Without podman or docker on PATH the engine is missing first; either way nothing ran.
        Assert.Equal(2, exit);
        Assert.Matches("^GRID(2104|2101):", error);
    }

    [Theory]
    [InlineData("123456789012.dkr.ecr.eu-west-1.amazonaws.com/tilestats@sha256:ab", "`aws ecr get-login-password --region eu-west-1 | podman login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com`")]
    [InlineData("registry.example.com:5000/tilestats@sha256:ab", "`podman login registry.example.com:5000`")]
    public void ReproSaysHowToLogInToTheRegistryOfAnImageItCannotPull(string image, string command) =>
        Assert.EndsWith(command, ContainerReproRunner.LoginHint("podman", image), StringComparison.Ordinal);

    [Theory]
    [InlineData("r.example.com/job@sha256:0123456789abcdef0000", true)]
    [InlineData("r.example.com/job@sha256:ffff", false)]
    [InlineData("localhost/grid/job:0123456789abcdef", true)]
    [InlineData("localhost/grid/job:fedcba9876543210", false)]
    [InlineData("localhost/job:latest", true)]
    public void ReproTellsWhetherAnImageNameIsThePublishedDigest(string image, bool names) =>
        Assert.Equal(names, ContainerReproRunner.Names(image, "sha256:0123456789abcdef0000"));

    [Fact]
    public async Task LogsPrintATasksAndAWorkersLogAfterTheRunEnded()
    {
        using var run = new ToolRun();
        var tasks = TestJob.Plain(5).ToList();
        tasks[1]["print"] = 250;
        TestJob.WriteTasks(run.Directory, tasks);
        Assert.Equal(0, await run.RunAsync("--workers", "1", "--run-id", "r"));

        var task = await GridAsync(run.Directory, "logs", "r", "t1");
        var list = await GridAsync(run.Directory, "logs", "r", "--format", "json");
        var worker = await GridAsync(run.Directory, "logs", "r", "--worker", "w1");
        var quiet = await GridAsync(run.Directory, "logs", "r", "t0");
        var unknownTask = await GridAsync(run.Directory, "logs", "r", "nope");
        var unknownWorker = await GridAsync(run.Directory, "logs", "r", "--worker", "w9");

        Assert.Equal(0, task.Exit);
        Assert.Contains("00000000 aaaa", task.Output, StringComparison.Ordinal);
        Assert.Contains("00000002 cccc", task.Output, StringComparison.Ordinal);
        var listing = JsonNode.Parse(list.Output)!;
        Assert.Equal("t1", (string?)listing["tasks"]!.AsArray().Single()!["id"]);
        Assert.Equal("w1", (string?)listing["workers"]![0]!["id"]);
        Assert.Equal(0, worker.Exit);
        Assert.NotEqual("", worker.Output.Trim());
        Assert.Equal((0, ""), (quiet.Exit, quiet.Output));
        Assert.Contains("wrote nothing", quiet.Error, StringComparison.Ordinal);
        Assert.Equal(2, unknownTask.Exit);
        Assert.StartsWith("GRID5021:", unknownTask.Error, StringComparison.Ordinal);
        Assert.Equal(2, unknownWorker.Exit);
        Assert.StartsWith("GRID5022:", unknownWorker.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunsListsRunsNewestFirstAndStatusDescribesThem()
    {
        using var run = new ToolRun();
        var tasks = TestJob.Plain(8).ToList();
        tasks[5]["throw"] = "no";
        TestJob.WriteTasks(run.Directory, tasks);
        Assert.Equal(1, await run.RunAsync("--workers", "1", "--max-attempts", "1", "--run-id", "first"));
        Assert.Equal(1, await run.RunAsync("--workers", "1", "--max-attempts", "1", "--run-id", "second"));

        var runs = await GridAsync(run.Directory, "runs", "--format", "json");
        var table = await GridAsync(run.Directory, "runs");
        var newest = await GridAsync(run.Directory, "status", "--format", "json");
        var first = await GridAsync(run.Directory, "status", "first");

        var list = JsonNode.Parse(runs.Output)!.AsArray();
        Assert.Equal(["second", "first"], list.Select(r => (string?)r!["id"]));
        Assert.All(list, r =>
        {
            Assert.Equal("finished", (string?)r!["status"]);
            Assert.Equal(8, (int)r["tasks"]!);
            Assert.Equal(7, (int)r["succeeded"]!);
            Assert.Equal(1, (int)r["failed"]!);
            Assert.True((double)r["wallSeconds"]! > 0);
        });
        Assert.True(table.Output.IndexOf("second", StringComparison.Ordinal) < table.Output.IndexOf("first", StringComparison.Ordinal), table.Output);

        var status = JsonNode.Parse(newest.Output)!;
        Assert.Equal("second", (string?)status["id"]);
        Assert.Equal("finished", (string?)status["status"]);
        Assert.False((bool)status["live"]!);
        Assert.Equal(8, (int)status["ended"]!);
        Assert.Equal(1, (int)status["failed"]!);
        Assert.EndsWith("report.html", (string?)status["report"], StringComparison.Ordinal);
        Assert.Equal(0, first.Exit);
        Assert.Contains("run first", first.Output, StringComparison.Ordinal);
        Assert.Contains("finished", first.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusOfALiveRunCountsItsResultsAgainstTheTaskCount()
    {
        using var run = new ToolRun();
        string folder = run.RunFolder("live");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "run.json"), JsonSerializer.Serialize(new
        {
            runId = "live", job = "J", backend = "local", tasksKind = "file", tasks = "t.jsonl", taskCount = 10,
            workers = 2, slotsPerWorker = 1, startedAt = DateTimeOffset.UtcNow, headProcessId = Environment.ProcessId,
        }, SummaryFile.Options));
        string line = """{"id":"x","status":"succeeded","output":1,"attempts":1,"worker":"w1","dispatched":"2026-11-21T06:00:00Z","started":"2026-11-21T06:00:00Z","ended":"2026-11-21T06:00:01Z","durationMs":1}""";

        // Three results, one failure, and a line the head is still writing.
        File.WriteAllText(Path.Combine(folder, "results.jsonl"), string.Concat(Enumerable.Repeat(line + "\n", 3)) + line.Replace("succeeded", "failed", StringComparison.Ordinal) + "\n" + line[..40]);
        File.WriteAllText(Path.Combine(folder, "attempts.jsonl"), """{"id":"y","attempt":1,"worker":"w1","outcome":"lost","dispatched":"2026-11-21T06:00:00Z","started":null,"ended":"2026-11-21T06:00:01Z"}""" + "\n");

        var (exit, output, error) = await GridAsync(run.Directory, "status", "live", "--format", "json");

        Assert.True(exit == 0, error);
        var status = JsonNode.Parse(output)!;
        Assert.Equal("running", (string?)status["status"]);
        Assert.True((bool)status["live"]!);
        Assert.Equal(10, (int)status["tasks"]!);
        Assert.Equal(4, (int)status["ended"]!);
        Assert.Equal(3, (int)status["succeeded"]!);
        Assert.Equal(1, (int)status["failed"]!);
        Assert.Equal(6, (int)status["notRun"]!);
        Assert.Equal(1, (int)status["earlierAttempts"]!);
    }

    [Fact]
    public async Task AnUnknownRunIsGrid5013()
    {
        using var run = new ToolRun();

        var named = await GridAsync(run.Directory, "status", "nope");
        var newest = await GridAsync(run.Directory, "report");

        Assert.Equal(2, named.Exit);
        Assert.StartsWith("GRID5013:", named.Error, StringComparison.Ordinal);
        Assert.Equal(2, newest.Exit);
        Assert.StartsWith("GRID5013: there are no runs", newest.Error, StringComparison.Ordinal);
    }

    /// <summary>A `dotnet grid` command in a run's folder, in-process, with its own output.</summary>
    private static async Task<(int Exit, string Output, string Error)> GridAsync(string directory, params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await GridCli.InvokeAsync(arguments, new CommandContext(output, error, directory, TimeProvider.System, ErrorIsTerminal: false));
        return (exit, output.ToString(), error.ToString());
    }
}

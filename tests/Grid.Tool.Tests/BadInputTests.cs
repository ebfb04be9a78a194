using Grid.Tool.Backends;
using Grid.Tool.Commands;

namespace Grid.Tool.Tests;

public sealed class BadInputTests
{
    [Fact]
    public async Task MissingTasksFileIsGrid5001()
    {
        using var run = new ToolRun();

        var (exit, launched) = await RunAsync(run, Path.Combine(run.Directory, "nope.jsonl"));

        AssertRefused(run, exit, launched, "GRID5001", "nope.jsonl");
    }

    [Fact]
    public async Task InvalidJsonIsGrid5002NamingTheFileAndLine()
    {
        using var run = new ToolRun();
        string file = Path.Combine(run.Directory, "tasks.jsonl");
        File.WriteAllLines(file, ["{\"id\":\"a\"}", "{\"id\":\"b\"}", "{\"id\": \"c\",", "{\"id\":\"d\"}"]);

        var (exit, launched) = await RunAsync(run, file);

        AssertRefused(run, exit, launched, "GRID5002", "tasks.jsonl:3");
    }

    [Fact]
    public async Task DuplicateTaskIdsAreGrid5003NamingBothLines()
    {
        using var run = new ToolRun();
        string file = Path.Combine(run.Directory, "tasks.jsonl");
        File.WriteAllLines(file, ["{\"id\":\"a\"}", "{\"id\":\"b\"}", "", "{\"id\":\"a\",\"x\":1}"]);

        var (exit, launched) = await RunAsync(run, file);

        AssertRefused(run, exit, launched, "GRID5003", "tasks.jsonl:4");
        Assert.Contains("line 1", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyTaskListIsGrid5004()
    {
        using var run = new ToolRun();
        string file = Path.Combine(run.Directory, "tasks.jsonl");
        File.WriteAllText(file, "\n  \n");

        var (exit, launched) = await RunAsync(run, file);

        AssertRefused(run, exit, launched, "GRID5004", "tasks.jsonl");
    }

    [Fact]
    public async Task NonScalarIdIsGrid5005()
    {
        using var run = new ToolRun();
        string file = Path.Combine(run.Directory, "tasks.jsonl");
        File.WriteAllLines(file, ["{\"id\":{\"nested\":1}}"]);

        var (exit, launched) = await RunAsync(run, file);

        AssertRefused(run, exit, launched, "GRID5005", "tasks.jsonl:1");
    }

    [Fact]
    public async Task AHundredMegabytePayloadIsGrid5006NamingTheLine()
    {
        using var run = new ToolRun();
        string file = Path.Combine(run.Directory, "tasks.jsonl");
        using (var writer = new StreamWriter(file))
        {
            writer.WriteLine("{\"id\":\"small\"}");
            writer.Write("{\"id\":\"huge\",\"blob\":\"");
            writer.Write(new string('x', 100 * 1024 * 1024));
            writer.WriteLine("\"}");
        }

        var (exit, launched) = await RunAsync(run, file);

        AssertRefused(run, exit, launched, "GRID5006", "tasks.jsonl:2");
    }

    [Fact]
    public async Task AHundredMegabyteInputFileIsGrid5006()
    {
        using var run = new ToolRun();
        Directory.CreateDirectory(Path.Combine(run.Directory, "in"));
        File.WriteAllText(Path.Combine(run.Directory, "in", "ok.json"), "{}");
        using (var big = File.Create(Path.Combine(run.Directory, "in", "big.json")))
        {
            big.SetLength(100L * 1024 * 1024);
        }

        int exit = await run.RunAsync("--inputs", "in/*.json", "--run-id", "big");

        Assert.Equal(2, exit);
        Assert.Contains("GRID5006", run.Error, StringComparison.Ordinal);
        Assert.Contains("big.json", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(run.Directory, "grid-runs")));
    }

    [Fact]
    public async Task ZeroWorkersIsGrid5010()
    {
        using var run = new ToolRun();
        string file = TestJob.WriteTasks(run.Directory, TestJob.Plain(3));

        int exit = await run.RunAsync("--tasks", file, "--workers", "0");

        Assert.Equal(2, exit);
        Assert.Contains("GRID5010: --workers is '0'", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(run.Directory, "grid-runs")));
    }

    [Fact]
    public async Task UnknownOptionIsAUsageError()
    {
        using var run = new ToolRun();

        int exit = await run.RunAsync("--wokers", "2");

        Assert.Equal(2, exit);
        Assert.Contains("GRID5010", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReusedRunIdIsGrid5011()
    {
        using var run = new ToolRun();
        string file = TestJob.WriteTasks(run.Directory, TestJob.Plain(2));
        Directory.CreateDirectory(run.RunFolder("taken"));

        int exit = await run.RunAsync("--tasks", file, "--run-id", "taken");

        Assert.Equal(2, exit);
        Assert.Contains("GRID5011", run.Error, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, bool Launched)> RunAsync(ToolRun run, string tasksFile)
    {
        bool launched = false;
        int exit;
        try
        {
            exit = await run.RunWithLauncherAsync((_, _, _) =>
            {
                launched = true;
                throw new InvalidOperationException("no worker may start on bad input");
            }, new RunOptions { TasksFile = tasksFile, WorkingDirectory = run.Directory });
        }
        catch (Diagnostics.GridException e)
        {
            await run.Context.Error.WriteLineAsync(e.ToString());
            exit = e.ExitCode;
        }

        return (exit, launched);
    }

    private static void AssertRefused(ToolRun run, int exit, bool launched, string code, string where)
    {
        Assert.Equal(2, exit);
        Assert.False(launched);
        Assert.Contains(code + ":", run.Error, StringComparison.Ordinal);
        Assert.Contains(where, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(run.Directory, "grid-runs")), "no run folder is made for bad input");
    }
}

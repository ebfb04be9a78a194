using System.Diagnostics;
using System.Text.Json.Nodes;
using Grid.Tool.Commands;
using Grid.Tool.Output;

namespace Grid.Tool.Tests;

public sealed class ResumeTests
{
    [Fact]
    public async Task InterruptedRunResumesWithoutRedoingCommittedTasks()
    {
        using var run = new ToolRun();
        string file = TestJob.WriteTasks(run.Directory, TestJob.Plain(400, _ => new() { ["sleepMs"] = 5 }));
        using var stop = new CancellationTokenSource();
        var watcher = StopAfterResults(Path.Combine(run.RunFolder("r"), "results.jsonl"), 100, stop);

        int first = await GridCli.InvokeAsync(["run", "--project", TestJob.ProjectDirectory, "--no-build", "-c", TestJob.Configuration, "--tasks", file, "--workers", "2", "--run-id", "r"], run.Context, stop.Token);
        await watcher;

        Assert.Equal(130, first);
        int committedBefore = ResultLine.ReadAll(Path.Combine(run.RunFolder("r"), "results.jsonl")).Count;
        Assert.InRange(committedBefore, 100, 399);

        int second = await run.RunAsync("--resume", "r");

        Assert.True(second == 0, run.Error);
        var results = ResultLine.ReadAll(Path.Combine(run.RunFolder("r"), "results.jsonl"));
        Assert.Equal(400, results.Count);
        Assert.Equal(400, results.Select(r => r.Id).Distinct().Count());
        var summary = SummaryFile.Read(run.RunFolder("r"));
        Assert.Equal(committedBefore, summary.Count("previouslyCommitted"));
        Assert.Equal(1, summary.Count("resumes"));
        Assert.Equal(400, summary.Count("succeeded"));
    }

    [Fact]
    public async Task TornLastLineIsCutAndItsTaskRunsAgain()
    {
        using var run = new ToolRun();
        string file = TestJob.WriteTasks(run.Directory, TestJob.Plain(50));
        Assert.Equal(0, await run.RunAsync("--tasks", file, "--workers", "2", "--run-id", "torn"));
        string results = Path.Combine(run.RunFolder("torn"), "results.jsonl");
        var lines = File.ReadAllLines(results);
        File.WriteAllText(results, string.Join('\n', lines.Take(30)) + "\n" + lines[30][..(lines[30].Length / 2)]);
        File.Delete(Path.Combine(run.RunFolder("torn"), "summary.json"));

        int exit = await run.RunAsync("--resume", "torn");

        Assert.True(exit == 0, run.Error);
        var after = ResultLine.ReadAll(results);
        Assert.Equal(50, after.Count);
        Assert.Equal(50, after.Select(r => r.Id).Distinct().Count());
        Assert.Contains("torn last line", run.Error, StringComparison.Ordinal);
        Assert.Equal(30, SummaryFile.Read(run.RunFolder("torn")).Count("previouslyCommitted"));
    }

    [Fact]
    public async Task ResumeRefusesARunWhoseHeadIsStillRunning()
    {
        using var run = new ToolRun();
        string file = TestJob.WriteTasks(run.Directory, TestJob.Plain(5));
        Assert.Equal(0, await run.RunAsync("--tasks", file, "--run-id", "busy"));
        using var live = HeadLock.Acquire(new RunFolder(run.Directory, "busy"));

        int exit = await run.RunAsync("--resume", "busy");

        Assert.Equal(2, exit);
        Assert.Contains("GRID5014", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResumeRefusesTasksThatChanged()
    {
        using var run = new ToolRun();
        string file = TestJob.WriteTasks(run.Directory, TestJob.Plain(5));
        Assert.Equal(0, await run.RunAsync("--tasks", file, "--run-id", "changed"));
        TestJob.WriteTasks(run.Directory, TestJob.Plain(6));

        int exit = await run.RunAsync("--resume", "changed");

        Assert.Equal(2, exit);
        Assert.Contains("GRID5015", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResumeOfAnUnknownRunIsGrid5013()
    {
        using var run = new ToolRun();

        int exit = await run.RunAsync("--resume", "nothing-here");

        Assert.Equal(2, exit);
        Assert.Contains("GRID5013", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadKilledAtTwentyRandomPointsThenResumedCommitsEveryTaskExactlyOnce()
    {
        using var run = new ToolRun();
        const int Count = 5000;
        string file = TestJob.WriteTasks(run.Directory, TestJob.Plain(Count, _ => new() { ["spinMs"] = 10 }));
        string results = Path.Combine(run.RunFolder("crash"), "results.jsonl");
        var random = new Random(20261121);
        int killedMidRun = 0;
        var early = new List<string>();
        for (int kill = 0; kill < 20; kill++)
        {
            string[] mode = kill == 0 ? ["--tasks", file, "--run-id", "crash"] : ["--resume", "crash"];
            var headErrors = new System.Text.StringBuilder();
            using var head = StartHead(run.Directory, mode, headErrors);
            if (kill == 0)
            {
                // The run exists once its head has built the job and written run.json; kills land after that.
                while (!File.Exists(Path.Combine(run.RunFolder("crash"), "run.json")) && !head.HasExited)
                {
                    await Task.Delay(10);
                }
            }

            await Task.Delay(random.Next(500, 1500));
            if (!head.HasExited)
            {
                head.Kill();
                killedMidRun++;
            }

            await head.WaitForExitAsync();
            if (head.ExitCode != 137)
            {
                early.Add($"head {kill} exited {head.ExitCode}: {headErrors}");
            }

            AssertNoDuplicates(results);
        }

        var errors = new System.Text.StringBuilder();
        using (var last = StartHead(run.Directory, ["--resume", "crash"], errors))
        {
            await last.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(last.ExitCode == 0, $"the last resume exited {last.ExitCode}: {errors}");
        }

        Assert.True(killedMidRun == 20, $"only {killedMidRun} kills landed while the head ran: {string.Join('\n', early)}");
        var lines = ResultLine.ReadAll(results);
        Assert.Equal(Count, lines.Count);
        Assert.Equal(Count, lines.Select(r => r.Id).Distinct().Count());
        Assert.All(lines, r => Assert.Equal("succeeded", r.Status));
        var summary = SummaryFile.Read(run.RunFolder("crash"));
        Assert.Equal(Count, summary.Count("succeeded"));
        Assert.InRange(summary.Count("resumes"), 1, 21);
    }

    /// <summary>The real tool in its own process, so it can be SIGKILLed like a crashed head.</summary>
    private static Process StartHead(string directory, string[] arguments, System.Text.StringBuilder? errors = null)
    {
        string tool = Path.Combine(TestJob.RepositoryRoot, "artifacts", "bin", "Grid.Tool", TestJob.Configuration.ToLowerInvariant(), "dotnet-grid.dll");
        var start = new ProcessStartInfo(Build.JobProject.DotnetHost)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { tool, "run", "--project", TestJob.ProjectDirectory, "--no-build", "-c", TestJob.Configuration, "--workers", "2" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (errors is not null && e.Data is not null)
            {
                lock (errors)
                {
                    errors.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void AssertNoDuplicates(string results)
    {
        if (!File.Exists(results))
        {
            return;
        }

        var ids = File.ReadAllLines(results)
            .Where(l => l.EndsWith('}'))
            .Select(l => (string)JsonNode.Parse(l)!["id"]!)
            .ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    private static async Task StopAfterResults(string results, int count, CancellationTokenSource stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(20);
            if (File.Exists(results))
            {
                using var reader = new StreamReader(new FileStream(results, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                int lines = 0;
                while (await reader.ReadLineAsync() is not null)
                {
                    lines++;
                }

                if (lines >= count)
                {
                    await stop.CancelAsync();
                }
            }
        }
    }
}

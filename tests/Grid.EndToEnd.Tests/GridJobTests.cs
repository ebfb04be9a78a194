using System.Text.Json.Nodes;

namespace Grid.EndToEnd.Tests;

[Collection(PackedGridTests.Name)]
public sealed class GridJobTests(PackedGrid grid)
{
    [Fact]
    public async Task ScaffoldedJobRunsAThousandTasksOverTwoWorkersExactlyOnce()
    {
        string job = await grid.NewJobAsync("TileStats");
        string tasks = Path.Combine(job, "demo-tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, Enumerable.Range(0, 1000).Select(i => $$"""{"id":"tile-{{i:D5}}","x":{{i % 40}},"y":{{i / 40}},"zoom":12}"""));

        var run = await grid.DotnetAsync(job, "grid", "run", "--local", "--tasks", "demo-tasks.jsonl", "--workers", "2", "--run-id", "demo");

        PackedGrid.Require(run, "dotnet grid run");
        var lines = File.ReadAllLines(Path.Combine(job, "grid-runs", "demo", "results.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(1000, lines.Count);
        Assert.Equal(1000, lines.Select(l => (string)l["id"]!).Distinct().Count());
        Assert.All(lines, l => Assert.Equal("succeeded", (string)l["status"]!));
        Assert.All(lines, l => Assert.NotNull(l["output"]));
        Assert.EndsWith("run demo: 1000 succeeded, 0 failed", run.Out.TrimEnd(), StringComparison.Ordinal);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(job, "grid-runs", "demo", "summary.json")))!;
        Assert.Equal(2, (int)summary["workers"]!);
    }

    [Fact]
    public async Task ScaffoldedJobBuildsWithoutWarningsAndItsSampleTasksRun()
    {
        string job = await grid.NewJobAsync("Sample");

        var build = await grid.DotnetAsync(job, "build", "-warnaserror", "-nologo");
        PackedGrid.Require(build, "dotnet build -warnaserror");
        Assert.Contains("0 Warning(s)", build.Out, StringComparison.Ordinal);

        var run = await grid.DotnetAsync(job, "grid", "run", "--tasks", "tasks.jsonl", "--run-id", "sample");
        PackedGrid.Require(run, "dotnet grid run with the template's tasks.jsonl");
    }

    [Fact]
    public async Task InlineInputRunsOneTaskAndPrintsItsOutput()
    {
        string job = await grid.NewJobAsync("Inline");

        var run = await grid.DotnetAsync(job, "run", "--", "--input", """{"a": 1, "b": [1, 2]}""");

        PackedGrid.Require(run, "dotnet run -- --input");
        var output = JsonNode.Parse(run.Out)!;
        Assert.NotNull(output);
    }
}

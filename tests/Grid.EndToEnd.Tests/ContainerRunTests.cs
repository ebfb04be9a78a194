using System.Text.Json.Nodes;

namespace Grid.EndToEnd.Tests;

/// <summary>`dotnet grid run --local --container`: the published image's containers, under podman, as workers.</summary>
[Collection(PackedGridTests.Name)]
public sealed class ContainerRunTests(PackedGrid grid, ContainerLab lab)
{
    [Fact]
    public async Task ContainerWorkersGiveTheSameResultsAsProcessWorkers()
    {
        await lab.EnsureStartedAsync();
        var job = new JobPublisher(grid, lab, await grid.NewJobAsync("Boxed"));
        var publish = await job.PublishAsync();
        PackedGrid.Require(publish.Result, "dotnet publish -p:PublishGrid=true");
        await File.WriteAllLinesAsync(Path.Combine(job.Job, "two-hundred.jsonl"), Enumerable.Range(0, 200).Select(i => $$"""{"id":"tile-{{i:D3}}","x":{{i % 20}},"y":{{i / 20}},"tags":["a","b{{i % 7}}"]}"""));
        var environment = job.Environment();

        var inContainers = await Shell.RunAsync("dotnet", ["grid", "run", "--local", "--container", "--manifest", publish.ManifestPath, "--tasks", "two-hundred.jsonl", "--workers", "2", "--run-id", "containers"], job.Job, environment, TimeSpan.FromMinutes(5));
        var inProcesses = await Shell.RunAsync("dotnet", ["grid", "run", "--local", "--tasks", "two-hundred.jsonl", "--workers", "2", "--run-id", "processes"], job.Job, environment, TimeSpan.FromMinutes(5));

        PackedGrid.Require(inContainers, "dotnet grid run --local --container");
        PackedGrid.Require(inProcesses, "dotnet grid run --local");
        var containers = Comparable(Path.Combine(job.Job, "grid-runs", "containers"));
        var processes = Comparable(Path.Combine(job.Job, "grid-runs", "processes"));
        Assert.Equal(200, containers.Count);
        Assert.Equal(processes, containers);
        var workers = File.ReadAllLines(Path.Combine(job.Job, "grid-runs", "containers", "workers.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.All(workers, w => Assert.StartsWith("container grid-containers-", (string?)w["location"], StringComparison.Ordinal));
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(job.Job, "grid-runs", "containers", "run.json")))!;
        Assert.Equal("container", (string?)run["backend"]);

        // Nothing of the run is left running in the engine.
        var left = await lab.RunAsync("podman", "ps", "-a", "--filter", "label=grid.run=containers", "--format", "{{.Names}}");
        Assert.Equal("", left.Out.Trim());
    }

    /// <summary>results.jsonl without what may differ between two runs: timings and worker ids.</summary>
    private static SortedDictionary<string, string> Comparable(string runFolder) => new(
        File.ReadAllLines(Path.Combine(runFolder, "results.jsonl"))
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .ToDictionary(
                o => (string)o["id"]!,
                o => $"{o["status"]} {o["attempts"]} {o["output"]?.ToJsonString()} {o["error"]?.ToJsonString()}"),
        StringComparer.Ordinal);
}

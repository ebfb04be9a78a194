using System.Text.Json.Nodes;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// `dotnet grid repro` of a run whose workers were containers: the task runs again in a container of the run's image
/// (by default for such a run), failing the same way or printing the same output; for a cloud run whose registry
/// cannot be pulled from, the published archive stands in, and without one the error says how to log in.
/// </summary>
[Collection(PackedGridTests.Name)]
public sealed class ContainerReproTests(PackedGrid grid, ContainerLab lab)
{
    [Fact]
    public async Task ReproOfAContainerRunRunsTheTaskInTheRunsImage()
    {
        await lab.EnsureStartedAsync();
        var job = new JobPublisher(grid, lab, await grid.NewJobAsync("ReproBox"));

        // The log line says where the handler ran: the image's working folder, and podman's marker file.
        await File.WriteAllTextAsync(Path.Combine(job.Job, "Program.cs"), """
            using System.Text.Json.Nodes;
            using Grid;

            return GridWorker.Run(args, (JsonObject input, TaskContext context) =>
            {
                context.Log.Info($"working in {Environment.CurrentDirectory}, podman container: {File.Exists("/run/.containerenv")}");
                int n = (int)input["n"]!;
                if (n == 3)
                {
                    throw new InvalidDataException($"tile {n} has a bad header");
                }

                return new JsonObject { ["n"] = n, ["square"] = n * n };
            });
            """);
        var publish = await job.PublishAsync();
        PackedGrid.Require(publish.Result, "dotnet publish -p:PublishGrid=true");
        await File.WriteAllLinesAsync(Path.Combine(job.Job, "six.jsonl"), Enumerable.Range(0, 6).Select(i => $$"""{"id":"tile-{{i}}","n":{{i}}}"""));
        var environment = job.Environment();

        var run = await Grid(job, environment, "run", "--local", "--container", "--manifest", publish.ManifestPath, "--tasks", "six.jsonl", "--workers", "1", "--max-attempts", "1", "--run-id", "boxed");
        Assert.True(run.ExitCode == 1, run.All);
        string folder = Path.Combine(job.Job, "grid-runs", "boxed");
        var results = File.ReadAllLines(Path.Combine(folder, "results.jsonl")).Select(l => JsonNode.Parse(l)!).ToDictionary(r => (string)r["id"]!);
        var error = results["tile-3"]["error"]!;
        Assert.Equal("System.IO.InvalidDataException", (string?)error["type"]);
        string image = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "run.json")))!["image"]!;

        // The failing task: the same exception, from a container of the run's image (the default for a container run).
        var failed = await Grid(job, environment, "repro", "boxed", "tile-3");
        Assert.True(failed.ExitCode == 1, failed.All);
        Assert.Contains($"podman run --rm --network=none --name grid-repro-boxed-", failed.Error, StringComparison.Ordinal);
        Assert.Contains($":/grid/input.json:ro {image} --input @/grid/input.json", failed.Error, StringComparison.Ordinal);
        Assert.Contains("working in /app, podman container: True", failed.Error, StringComparison.Ordinal);
        Assert.Contains($"{error["type"]}: {error["message"]}", failed.Error, StringComparison.Ordinal);
        Assert.Equal("", failed.Out);

        // A succeeding task: the output JSON of results.jsonl, on stdout.
        var succeeded = await Grid(job, environment, "repro", "boxed", "tile-2", "--container");
        Assert.True(succeeded.ExitCode == 0, succeeded.All);
        Assert.True(JsonNode.DeepEquals(results["tile-2"]["output"], JsonNode.Parse(succeeded.Out)), succeeded.All);
        Assert.Contains("podman container: True", succeeded.Error, StringComparison.Ordinal);

        // --inline runs the assembly published beside grid.json, on this machine: the same failure, outside any container.
        var inline = await Grid(job, environment, "repro", "boxed", "tile-3", "--inline");
        Assert.True(inline.ExitCode == 1, inline.All);
        Assert.Contains($"{error["type"]}: {error["message"]}", inline.Error, StringComparison.Ordinal);
        Assert.Contains("podman container: False", inline.Error, StringComparison.Ordinal);

        // A cloud run's image is a registry reference; this one cannot be pulled, so the published archive stands in.
        // (The engine would find the same image by its digest: it must not hold it.)
        await RemoveImageAsync(image);
        string digest = (string)publish.Manifest["image"]!["digest"]!;
        string cloudImage = $"{lab.Registry}/reprobox@{digest}";
        WriteCloudRun(folder, "cloudy", cloudImage, publish.ManifestPath);
        var cloudy = await Grid(job, environment, "repro", "cloudy", "tile-2");
        Assert.True(cloudy.ExitCode == 0, cloudy.All);
        Assert.True(cloudy.Error.Contains($"Could not pull {cloudImage}", StringComparison.Ordinal), cloudy.All);
        Assert.True(JsonNode.DeepEquals(results["tile-2"]["output"], JsonNode.Parse(cloudy.Out)), cloudy.All);

        // Without the archive, a GRID error that says how to log in.
        await RemoveImageAsync(cloudImage);
        WriteCloudRun(folder, "cloudless", cloudImage, Path.Combine(job.Job, "gone", "grid.json"));
        var cloudless = await Grid(job, environment, "repro", "cloudless", "tile-2");
        Assert.True(cloudless.ExitCode == 2, cloudless.All);
        Assert.Contains("GRID2103:", cloudless.Error, StringComparison.Ordinal);
        Assert.True(cloudless.Error.Contains($"podman login {lab.Registry}", StringComparison.Ordinal), cloudless.All);

        var left = await lab.RunAsync("podman", "ps", "-a", "--filter", "label=grid.repro", "--format", "{{.Names}}");
        Assert.Equal("", left.Out.Trim());
    }

    /// <summary>Removes an image and every name it has from the engine's store.</summary>
    private async Task RemoveImageAsync(string name)
    {
        var id = await lab.RunAsync("podman", "image", "inspect", "--format", "{{.Id}}", name);
        PackedGrid.Require(id, "podman image inspect");
        PackedGrid.Require(await lab.RunAsync("podman", "rmi", "-f", id.Out.Trim()), "podman rmi");
    }

    private static Task<Shell.Result> Grid(JobPublisher job, Dictionary<string, string?> environment, params string[] arguments) =>
        Shell.RunAsync("dotnet", ["grid", .. arguments], job.Job, environment, TimeSpan.FromMinutes(3));

    /// <summary>A copy of a run's record as an EC2 run writes it: backend aws-ec2, the image by its registry reference.</summary>
    private static void WriteCloudRun(string from, string runId, string image, string manifest)
    {
        string to = Path.Combine(Path.GetDirectoryName(from)!, runId);
        Directory.CreateDirectory(to);
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(from, "run.json")))!.AsObject();
        record["runId"] = runId;
        record["backend"] = "aws-ec2";
        record["image"] = image;
        record["manifest"] = manifest;
        File.WriteAllText(Path.Combine(to, "run.json"), record.ToJsonString());
        File.Copy(Path.Combine(from, "results.jsonl"), Path.Combine(to, "results.jsonl"));
    }
}

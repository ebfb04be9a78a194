using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// The same job gives the same image: `dotnet publish -p:PublishGrid=true` from two copies of one job in different
/// folders, each clean, must write the same digest, layers and image.tar bytes, and push that digest to a registry; a code change must change only the
/// last layer; undoing it must give the first image back. skopeo and tar, independent readers, check the archive.
/// </summary>
[Collection(PackedGridTests.Name)]
public sealed class ReproducibleImageTests(PackedGrid grid, ContainerLab lab, ITestOutputHelper output)
{
    [Fact]
    public async Task TwoCopiesOfAJobInOtherFoldersPublishTheSameImage()
    {
        await lab.EnsureStartedAsync();
        string original = await grid.NewJobAsync("SameJob");
        string copy = CopyClean(original, Path.Combine(grid.Work, "elsewhere", "deeper", "SameJob"));

        var first = await PublishAsync(new JobPublisher(grid, lab, original));
        var second = await PublishAsync(new JobPublisher(grid, lab, copy));

        Assert.NotEqual(first.ManifestPath, second.ManifestPath);
        var image = first.Manifest["image"]!;
        var copyImage = second.Manifest["image"]!;
        Assert.Equal((string?)image["digest"], (string?)copyImage["digest"]);
        Assert.Equal(Strings(image["layers"]), Strings(copyImage["layers"]));
        Assert.Equal(JobPublisher.Sha256(first.ManifestPath), JobPublisher.Sha256(second.ManifestPath));
        Assert.Equal(JobPublisher.Sha256(Archive(first)), JobPublisher.Sha256(Archive(second)));

        // skopeo reads the same digest from both archives, and every entry of the app layer carries the epoch.
        var inspect = JsonNode.Parse(await lab.SkopeoInspectAsync("oci-archive:" + Archive(second)))!;
        Assert.Equal((string?)image["digest"], (string?)inspect["Digest"]);
        Assert.Equal(Strings(image["layers"]), Strings(inspect["Layers"]));
        string listing = await ListLayerAsync(Archive(second), Strings(image["layers"])[^1]);
        Assert.Contains("app/SameJob.dll", listing, StringComparison.Ordinal);
        Assert.All(listing.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Contains(" 1970-01-01 00:00:00 ", line, StringComparison.Ordinal));
        var config = JsonNode.Parse(await lab.SkopeoInspectAsync("oci-archive:" + Archive(second), config: true))!;
        Assert.Equal("1970-01-01T00:00:00Z", (string?)config["created"]);
        Assert.Null(config["config"]!["Labels"]?["org.opencontainers.image.created"]);
    }

    [Fact]
    public async Task RegistryPublishesOfTwoCopiesPushTheImageAnArchivePublishRecords()
    {
        await lab.EnsureStartedAsync();
        string original = await grid.NewJobAsync("PushedJob");
        string copy = CopyClean(original, Path.Combine(grid.Work, "elsewhere", "PushedJob"));
        var job = new JobPublisher(grid, lab, original);
        var copyJob = new JobPublisher(grid, lab, copy);
        string registry = $"-p:GridRegistry={lab.Registry}";

        // The original's grid.json is read before its archive publish below rewrites it.
        var first = await PublishAsync(job, registry);
        var image = first.Manifest["image"]!;
        string firstHash = JobPublisher.Sha256(first.ManifestPath);
        Assert.False(File.Exists(Archive(first)), "a registry publish left an image.tar in the publish folder");
        var second = await PublishAsync(copyJob, registry);
        var archived = await PublishAsync(job);

        string digest = (string)image["digest"]!;
        Assert.Equal($"{lab.Registry}/pushedjob@{digest}", (string?)image["reference"]);
        Assert.Equal((string?)image["reference"], (string?)second.Manifest["image"]!["reference"]);
        Assert.Equal(firstHash, JobPublisher.Sha256(second.ManifestPath));
        Assert.Equal(Strings(image["layers"]), Strings(second.Manifest["image"]!["layers"]));
        Assert.Equal(digest, (string?)archived.Manifest["image"]!["digest"]);
        Assert.Equal(Strings(image["layers"]), Strings(archived.Manifest["image"]!["layers"]));
        Assert.Equal("image.tar", (string?)archived.Manifest["image"]!["archive"]);

        // The registry serves that very image, by digest and by tag, with the reproducible time in its config.
        var inspect = JsonNode.Parse(await lab.SkopeoInspectAsync("docker://" + (string)image["reference"]!))!;
        Assert.Equal(digest, (string?)inspect["Digest"]);
        Assert.Equal(Strings(image["layers"]), Strings(inspect["Layers"]));
        var byTag = JsonNode.Parse(await lab.SkopeoInspectAsync($"docker://{lab.Registry}/pushedjob:latest"))!;
        Assert.Equal(digest, (string?)byTag["Digest"]);
        var config = JsonNode.Parse(await lab.SkopeoInspectAsync("docker://" + (string)image["reference"]!, config: true))!;
        Assert.Equal("1970-01-01T00:00:00Z", (string?)config["created"]);

        // Nothing changed: no image built, nothing pushed, grid.json untouched.
        string manifestHash = JobPublisher.Sha256(second.ManifestPath);
        var manifestTime = File.GetLastWriteTimeUtc(second.ManifestPath);
        var again = await PublishAsync(copyJob, registry);
        Assert.False(again.BuiltAnImage, "the second registry publish built an image:\n" + again.Result.Out);
        Assert.Contains("(up to date)", again.Result.Out, StringComparison.Ordinal);
        Assert.Equal(manifestHash, JobPublisher.Sha256(again.ManifestPath));
        Assert.Equal(manifestTime, File.GetLastWriteTimeUtc(again.ManifestPath));
    }

    [Fact]
    public async Task ACodeChangeChangesOnlyTheAppLayerAndUndoingItGivesTheSameImageBack()
    {
        await lab.EnsureStartedAsync();
        var job = new JobPublisher(grid, lab, await grid.NewJobAsync("ChangingJob"));
        string program = Path.Combine(job.Job, "Program.cs");
        string source = await File.ReadAllTextAsync(program);

        var before = await PublishAsync(job);
        var image = before.Manifest["image"]!;

        await File.AppendAllTextAsync(program, "\ninternal static class Revision\n{\n    public const int Number = 2;\n}\n");
        var changed = await PublishAsync(job);
        Assert.True(changed.BuiltAnImage, "a code change built no image:\n" + changed.Result.Out);
        var changedImage = changed.Manifest["image"]!;
        var layers = Strings(image["layers"]);
        var changedLayers = Strings(changedImage["layers"]);
        Assert.NotEqual((string?)image["digest"], (string?)changedImage["digest"]);
        Assert.Equal(layers.Count, changedLayers.Count);
        Assert.Equal(layers[..^1], changedLayers[..^1]);
        Assert.NotEqual(layers[^1], changedLayers[^1]);
        var inspect = JsonNode.Parse(await lab.SkopeoInspectAsync("oci-archive:" + Archive(changed)))!;
        Assert.Equal(changedLayers, Strings(inspect["Layers"]));

        // Undone, from a clean obj/bin: the first image again, byte for byte, though built later.
        await File.WriteAllTextAsync(program, source);
        Directory.Delete(Path.Combine(job.Job, "bin"), recursive: true);
        Directory.Delete(Path.Combine(job.Job, "obj"), recursive: true);
        var undone = await PublishAsync(job);
        Assert.Equal((string?)image["digest"], (string?)undone.Manifest["image"]!["digest"]);
        Assert.Equal(layers, Strings(undone.Manifest["image"]!["layers"]));
    }

    [Fact]
    public async Task SourceDateEpochIsTheImagesTime()
    {
        await lab.EnsureStartedAsync();
        var job = new JobPublisher(grid, lab, await grid.NewJobAsync("DatedJob"));

        var dated = await PublishAsync(job, "-p:GridSourceDateEpoch=1700000000");

        var config = JsonNode.Parse(await lab.SkopeoInspectAsync("oci-archive:" + Archive(dated), config: true))!;
        Assert.Equal("2023-11-14T22:13:20Z", (string?)config["created"]);
        string listing = await ListLayerAsync(Archive(dated), Strings(dated.Manifest["image"]!["layers"])[^1]);
        Assert.All(listing.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Contains(" 2023-11-14 22:13:20 ", line, StringComparison.Ordinal));
    }

    private async Task<JobPublisher.Publish> PublishAsync(JobPublisher job, params string[] properties)
    {
        var publish = await job.PublishAsync(properties);
        PackedGrid.Require(publish.Result, $"dotnet publish -p:PublishGrid=true in {job.Job}");
        output.WriteLine($"{job.Job}: {(string?)publish.Manifest["image"]!["digest"]} in {publish.Elapsed.TotalSeconds:F1} s");
        return publish;
    }

    // `tar -tv` of one layer of an OCI archive, times in UTC.
    private async Task<string> ListLayerAsync(string archive, string layer)
    {
        var result = await lab.RunAsync("bash", "-c", "set -o pipefail; tar -xOf \"$1\" \"blobs/sha256/$2\" | TZ=UTC tar -tvz --full-time", "list", archive, layer["sha256:".Length..]);
        PackedGrid.Require(result, "tar -tvz of the app layer");
        return result.Out;
    }

    private static string Archive(JobPublisher.Publish publish) => Path.Combine(Path.GetDirectoryName(publish.ManifestPath)!, "image.tar");

    // The job's sources alone: no bin/ or obj/ (restore writes absolute paths there).
    private static string CopyClean(string source, string destination)
    {
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(destination, relative))!);
            File.Copy(file, Path.Combine(destination, relative));
        }

        return destination;
    }

    private static List<string> Strings(JsonNode? node) => node!.AsArray().Select(n => (string)n!).ToList();
}

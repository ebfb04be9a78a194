using System.Text.Json.Nodes;

namespace Grid.Build.Tasks.Tests;

public sealed class WriteGridManifestTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeBuildEngine _engine = new();

    public void Dispose() => _temp.Dispose();

    private WriteGridManifest Manifest(string? registry = null, Action<WriteGridManifest>? set = null)
    {
        var record = SampleImage.Record(_temp.Path, _engine, registry);
        Assert.True(record.Execute(), string.Join("\n", _engine.ErrorLines));
        var task = new WriteGridManifest
        {
            BuildEngine = _engine,
            JobName = "TileStats",
            AssemblyFileName = "TileStats.dll",
            SdkVersion = "0.1.0",
            Repository = "tilestats",
            BaseImage = SampleImage.BaseImage,
            Registry = registry ?? "",
            ImageRecordFile = record.RecordFile,
            ManifestFile = _temp["publish/grid/grid.json"],
        };
        set?.Invoke(task);
        return task;
    }

    [Fact]
    public void TheManifestHasTheDocumentedShape()
    {
        var task = Manifest(set: t =>
        {
            t.Workers = "4";
            t.Cpu = "2";
            t.MemoryMiB = "4096";
            t.InstanceTypes = "c7i.large;c6i.large";
        });

        Assert.True(task.Execute(), string.Join("\n", _engine.ErrorLines));

        string digest = SampleImage.DigestOf(SampleImage.Manifest());
        Assert.Equal(
            $$"""
            {
              "schemaVersion": 1,
              "sdkVersion": "0.1.0",
              "job": {
                "name": "TileStats",
                "assembly": "TileStats.dll"
              },
              "image": {
                "repository": "tilestats",
                "tag": "latest",
                "digest": "{{digest}}",
                "reference": null,
                "archive": "image.tar",
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "os": "linux",
                "architecture": "amd64",
                "entrypoint": [
                  "dotnet",
                  "/app/TileStats.dll"
                ],
                "cmd": [],
                "workingDirectory": "/app/",
                "user": "1654",
                "baseImage": "127.0.0.1:5000/dotnet/runtime:10.0",
                "layers": [
                  "{{SampleImage.BaseLayer}}",
                  "{{SampleImage.AppLayer}}"
                ]
              },
              "resources": {
                "cpu": 2,
                "memoryMiB": 4096,
                "gpu": 0
              },
              "workers": {
                "count": 4,
                "slotsPerWorker": 2
              },
              "spot": {
                "enabled": true,
                "maxPrice": null,
                "onDemandFallback": true,
                "instanceTypes": [
                  "c7i.large",
                  "c6i.large"
                ]
              },
              "region": null,
              "retries": {
                "maxAttempts": 3
              },
              "timeouts": {
                "taskSeconds": null
              }
            }

            """,
            File.ReadAllText(task.ManifestFile));
        Assert.Equal(Path.GetFullPath(task.ManifestFile), task.ManifestFullPath);
        Assert.True(task.Written);
    }

    [Fact]
    public void APushedImageIsNamedByRegistryRepositoryAndDigest()
    {
        var task = Manifest(registry: "127.0.0.1:5000");

        Assert.True(task.Execute(), string.Join("\n", _engine.ErrorLines));

        var image = JsonNode.Parse(File.ReadAllText(task.ManifestFile))!["image"]!;
        string digest = SampleImage.DigestOf(SampleImage.Manifest());
        Assert.Equal($"127.0.0.1:5000/tilestats@{digest}", (string?)image["reference"]);
        Assert.Null(image["archive"]);
        Assert.Equal($"127.0.0.1:5000/tilestats@{digest}", task.ImageLocation);
    }

    [Fact]
    public void OptionalValuesAreWrittenAsNumbersWhenSet()
    {
        var task = Manifest(set: t =>
        {
            t.Cpu = "0.50";
            t.MaxSpotPrice = "0.0420";
            t.Region = "eu-west-2";
            t.TaskTimeout = "2h";
            t.SlotsPerWorker = "8";
            t.Spot = "true";
            t.OnDemandFallback = "false";
        });

        Assert.True(task.Execute(), string.Join("\n", _engine.ErrorLines));

        var manifest = JsonNode.Parse(File.ReadAllText(task.ManifestFile))!;
        Assert.Equal("0.5", manifest["resources"]!["cpu"]!.ToJsonString());
        Assert.Equal("0.042", manifest["spot"]!["maxPrice"]!.ToJsonString());
        Assert.False((bool)manifest["spot"]!["onDemandFallback"]!);
        Assert.Equal("eu-west-2", (string?)manifest["region"]);
        Assert.Equal(7200, (int)manifest["timeouts"]!["taskSeconds"]!);
        Assert.Equal(8, (int)manifest["workers"]!["slotsPerWorker"]!);
    }

    [Fact]
    public void AnUnchangedManifestIsLeftByteForByteAndTimestampAlone()
    {
        Assert.True(Manifest().Execute());
        string path = _temp["publish/grid/grid.json"];
        byte[] before = File.ReadAllBytes(path);
        var written = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, written);

        var again = Manifest();
        Assert.True(again.Execute());

        Assert.False(again.Written);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void AChangedPropertyRewritesTheManifest()
    {
        Assert.True(Manifest().Execute());

        var changed = Manifest(set: t => t.Workers = "9");
        Assert.True(changed.Execute());

        Assert.True(changed.Written);
        Assert.Equal(9, (int)JsonNode.Parse(File.ReadAllText(changed.ManifestFile))!["workers"]!["count"]!);
    }

    [Fact]
    public void AMissingImageRecordFailsWithGrid4001()
    {
        var task = Manifest();
        task.ImageRecordFile = _temp["obj/grid/none.json"];

        Assert.False(task.Execute());
        var error = Assert.Single(_engine.Errors);
        Assert.Equal("GRID4001", error.Code);
        Assert.Contains("none.json", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(task.ManifestFile));
    }

    [Fact]
    public void ARecordOfAnotherImageFailsWithGrid4001()
    {
        var task = Manifest(set: t => t.Repository = "otherjob");

        Assert.False(task.Execute());
        var error = Assert.Single(_engine.Errors);
        Assert.Equal("GRID4001", error.Code);
        Assert.Contains("tilestats:latest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidPropertiesFailBeforeAnythingIsWritten()
    {
        var task = Manifest(set: t => t.Workers = "0");

        Assert.False(task.Execute());
        Assert.Equal(["GRID1003"], _engine.ErrorCodes);
        Assert.False(File.Exists(task.ManifestFile));
    }
}

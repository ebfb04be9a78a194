using System.Text.Json.Nodes;
using Grid.Tool.Diagnostics;
using Grid.Tool.Manifest;

namespace Grid.Tool.Tests;

public sealed class ManifestTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("grid-manifest-").FullName;

    [Fact]
    public void ValidManifestIsReadWithItsArchiveResolvedBesideIt()
    {
        var manifest = GridManifest.Read(Write(Valid()), "0.1.0");

        Assert.Equal("sha256:" + new string('a', 64), manifest.Image.Digest);
        Assert.Equal(Path.Combine(_directory, "image.tar"), manifest.ArchivePath);
        Assert.Equal(["dotnet", "/app/TileStats.dll"], manifest.Image.Entrypoint);
    }

    [Fact]
    public void UnknownFieldIsGrid4002()
    {
        var json = Valid();
        json["image"]!["entrypont"] = new JsonArray("typo");

        var error = Assert.Throws<GridException>(() => GridManifest.Read(Write(json), "0.1.0"));

        Assert.Equal("GRID4011", error.Code);
        Assert.Contains("does not know", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFieldIsGrid4002NamingIt()
    {
        var json = Valid();
        json["image"]!.AsObject().Remove("digest");

        var error = Assert.Throws<GridException>(() => GridManifest.Read(Write(json), "0.1.0"));

        Assert.Equal("GRID4011", error.Code);
        Assert.Contains("digest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ManifestFromANewerSdkIsGrid4003()
    {
        var json = Valid();
        json["sdkVersion"] = "9.0.0";

        var error = Assert.Throws<GridException>(() => GridManifest.Read(Write(json), "0.1.0-dev"));

        Assert.Equal("GRID4012", error.Code);
        Assert.Contains("9.0.0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownSchemaVersionIsGrid4003()
    {
        var json = Valid();
        json["schemaVersion"] = 2;

        Assert.Equal("GRID4012", Assert.Throws<GridException>(() => GridManifest.Read(Write(json), "0.1.0")).Code);
    }

    [Fact]
    public void PrereleasesOfOneVersionReadEachOthersManifests()
    {
        Assert.False(GridManifest.IsNewer("0.1.0-e2e.20261121", "0.1.0-dev"));
        Assert.True(GridManifest.IsNewer("0.2.0", "0.1.9"));
    }

    [Fact]
    public void MissingManifestIsGrid4001()
    {
        Assert.Equal("GRID4010", Assert.Throws<GridException>(() => GridManifest.Read(Path.Combine(_directory, "nope.json"), "0.1.0")).Code);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(JsonObject json)
    {
        string path = Path.Combine(_directory, "grid.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static JsonObject Valid() => JsonNode.Parse($$"""
        {
          "schemaVersion": 1, "sdkVersion": "0.1.0",
          "job": { "name": "TileStats", "assembly": "TileStats.dll" },
          "image": {
            "repository": "tilestats", "tag": "latest", "digest": "sha256:{{new string('a', 64)}}",
            "reference": null, "archive": "image.tar", "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "os": "linux", "architecture": "amd64", "entrypoint": ["dotnet", "/app/TileStats.dll"], "cmd": [],
            "workingDirectory": "/app/", "user": "1654", "baseImage": "mcr.microsoft.com/dotnet/runtime:10.0", "layers": []
          },
          "resources": { "cpu": 2, "memoryMiB": 4096, "gpu": 0 },
          "workers": { "count": 4, "slotsPerWorker": 2 },
          "spot": { "enabled": true, "maxPrice": null, "onDemandFallback": true, "instanceTypes": [] },
          "region": null, "retries": { "maxAttempts": 3 }, "timeouts": { "taskSeconds": null }
        }
        """)!.AsObject();
}

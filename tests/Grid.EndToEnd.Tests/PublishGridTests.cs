using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// `dotnet publish -p:PublishGrid=true` on a job scaffolded from the packed template, against the offline base image in
/// the loopback registry; skopeo, an independent client, is the judge of what was built.
/// </summary>
[Collection(PackedGridTests.Name)]
public sealed class PublishGridTests(PackedGrid grid, ContainerLab lab, ITestOutputHelper output)
{
    [Fact]
    public async Task ArchivePublishAgreesWithSkopeoAndRebuildsOnlyWhatChanged()
    {
        await lab.EnsureStartedAsync();
        var job = new JobPublisher(grid, lab, await grid.NewJobAsync("ArchiveJob"));

        var clean = await job.PublishAsync();
        PackedGrid.Require(clean.Result, "dotnet publish -p:PublishGrid=true");
        string manifestPath = clean.ManifestPath;
        Assert.True(Path.IsPathFullyQualified(manifestPath), manifestPath);
        Assert.Equal(Path.Combine(job.Job, "bin", "Release", "net10.0", "publish", "grid", "grid.json"), manifestPath);
        string archive = Path.Combine(Path.GetDirectoryName(manifestPath)!, "image.tar");
        var manifest = clean.Manifest;
        var image = manifest["image"]!;
        Assert.Equal("image.tar", (string?)image["archive"]);
        Assert.Null(image["reference"]);
        Assert.Equal("archivejob", (string?)image["repository"]);
        Assert.Equal("ArchiveJob", (string?)manifest["job"]!["name"]);
        Assert.Equal("ArchiveJob.dll", (string?)manifest["job"]!["assembly"]);
        Assert.Equal(grid.Version, (string?)manifest["sdkVersion"]);
        await JobPublisher.AssertMatchesSchemaAsync(manifestPath);
        await AssertSkopeoAgreesAsync("oci-archive:" + archive, image, "ArchiveJob.dll");

        string manifestHash = JobPublisher.Sha256(manifestPath);
        string archiveHash = JobPublisher.Sha256(archive);
        var manifestTime = File.GetLastWriteTimeUtc(manifestPath);
        var archiveTime = File.GetLastWriteTimeUtc(archive);

        // Nothing changed: no image step, and both files exactly as they were.
        var again = await job.PublishAsync();
        PackedGrid.Require(again.Result, "the second dotnet publish");
        Assert.False(again.BuiltAnImage, "the second publish built an image:\n" + again.Result.Out);
        Assert.Contains("(up to date)", again.Result.Out, StringComparison.Ordinal);
        Assert.Equal(manifestHash, JobPublisher.Sha256(manifestPath));
        Assert.Equal(archiveHash, JobPublisher.Sha256(archive));
        Assert.Equal(manifestTime, File.GetLastWriteTimeUtc(manifestPath));
        Assert.Equal(archiveTime, File.GetLastWriteTimeUtc(archive));

        // A code change: a new image whose base layer is the same and whose app layer is not.
        await File.AppendAllTextAsync(Path.Combine(job.Job, "Program.cs"), "\ninternal static class Revision\n{\n    public const int Number = 2;\n}\n");
        var changed = await job.PublishAsync();
        PackedGrid.Require(changed.Result, "dotnet publish after a code change");
        Assert.True(changed.BuiltAnImage, "a code change built no image:\n" + changed.Result.Out);
        var changedImage = changed.Manifest["image"]!;
        var layers = Strings(image["layers"]);
        var changedLayers = Strings(changedImage["layers"]);
        Assert.NotEqual((string?)image["digest"], (string?)changedImage["digest"]);
        Assert.Equal(layers.Count, changedLayers.Count);
        Assert.Equal(layers[..^1], changedLayers[..^1]);
        Assert.NotEqual(layers[^1], changedLayers[^1]);
        await AssertSkopeoAgreesAsync("oci-archive:" + archive, changedImage, "ArchiveJob.dll");

        output.WriteLine($"publish: clean {clean.Elapsed.TotalSeconds:F1} s, no change {again.Elapsed.TotalSeconds:F1} s, code change {changed.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task RegistryPublishPushesTheImageThatGridJsonNamesAndItRuns()
    {
        await lab.EnsureStartedAsync();
        var job = new JobPublisher(grid, lab, await grid.NewJobAsync("PushJob"));

        var publish = await job.PublishAsync($"-p:GridRegistry={lab.Registry}", "-p:GridImageTag=v1");
        PackedGrid.Require(publish.Result, "dotnet publish -p:PublishGrid=true -p:GridRegistry=...");
        var image = publish.Manifest["image"]!;
        string digest = (string)image["digest"]!;
        Assert.Equal($"{lab.Registry}/pushjob@{digest}", (string?)image["reference"]);
        Assert.Null(image["archive"]);
        Assert.Equal("v1", (string?)image["tag"]);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(publish.ManifestPath)!, "image.tar")));
        await JobPublisher.AssertMatchesSchemaAsync(publish.ManifestPath);

        await AssertSkopeoAgreesAsync("docker://" + (string)image["reference"]!, image, "PushJob.dll");
        var byTag = JsonNode.Parse(await lab.SkopeoInspectAsync($"docker://{lab.Registry}/pushjob:v1"))!;
        Assert.Equal(digest, (string?)byTag["Digest"]);

        // The image runs: podman pulls it by the manifest's reference and the job answers one task inline.
        string reference = (string)image["reference"]!;
        PackedGrid.Require(await lab.RunAsync("podman", "pull", "-q", "--tls-verify=false", "--creds", $"{lab.User}:{lab.Password}", reference), "podman pull");
        var run = await lab.RunAsync("podman", "run", "--rm", "--network=none", reference, "--input", """{"x": 3, "y": 7}""");
        PackedGrid.Require(run, "podman run IMAGE --input");
        Assert.Equal(2, (int)JsonNode.Parse(run.Out)!["fields"]!);
    }

    [Fact]
    public async Task RegistryPublishTakesItsLoginFromTheDockerConfigFile()
    {
        await lab.EnsureStartedAsync();
        var job = new JobPublisher(grid, lab, await grid.NewJobAsync("ConfigLoginJob"));

        // Only a config.json, as `docker login` writes it, holds the login: for Grid's push and the SDK's base-image pull.
        string dockerConfig = Path.Combine(lab.StateDirectory, "docker-config-" + job.Name);
        Directory.CreateDirectory(dockerConfig);
        string auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{lab.User}:{lab.Password}"));
        var config = new JsonObject { ["auths"] = new JsonObject { [lab.Registry] = new JsonObject { ["auth"] = auth } } };
        await File.WriteAllTextAsync(Path.Combine(dockerConfig, "config.json"), config.ToJsonString());
        job.EnvironmentOverrides["DOCKER_CONFIG"] = dockerConfig;
        foreach (string variable in LoginVariables)
        {
            job.EnvironmentOverrides[variable] = null;
        }

        var publish = await job.PublishAsync($"-p:GridRegistry={lab.Registry}");
        PackedGrid.Require(publish.Result, "dotnet publish -p:GridRegistry=... with the login in DOCKER_CONFIG");
        var image = publish.Manifest["image"]!;
        Assert.Equal($"{lab.Registry}/configloginjob@{(string?)image["digest"]}", (string?)image["reference"]);
        await AssertSkopeoAgreesAsync("docker://" + (string)image["reference"]!, image, "ConfigLoginJob.dll");
    }

    [Fact]
    public void TheSdkPackageCarriesTheTaskAssemblyAndThePusherBesideItsTargets()
    {
        using var package = ZipFile.OpenRead(Path.Combine(grid.Feed, $"Grid.Sdk.{grid.Version}.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToList();

        Assert.Contains("build/Grid.Sdk.targets", entries);
        Assert.Contains("build/Grid.Sdk.Publish.targets", entries);
        Assert.Equal(
            ["tasks/net10.0/Grid.Build.Tasks.dll", "tasks/net10.0/Grid.Registry.dll"],
            entries.Where(e => e.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal));
    }

    /// <summary>The .NET SDK's login variables, which the lab sets and which come before the Docker config file.</summary>
    private static readonly string[] LoginVariables =
    [
        "DOTNET_CONTAINER_REGISTRY_UNAME", "DOTNET_CONTAINER_REGISTRY_PWORD",
        "DOTNET_CONTAINER_PUSH_REGISTRY_UNAME", "DOTNET_CONTAINER_PUSH_REGISTRY_PWORD",
        "DOTNET_CONTAINER_PULL_REGISTRY_UNAME", "DOTNET_CONTAINER_PULL_REGISTRY_PWORD",
    ];

    // skopeo's view of the image (manifest and config) must be grid.json's: digest, platform, layers, entrypoint, user.
    private async Task AssertSkopeoAgreesAsync(string source, JsonNode image, string assembly)
    {
        var inspect = JsonNode.Parse(await lab.SkopeoInspectAsync(source))!;
        Assert.Equal((string?)image["digest"], (string?)inspect["Digest"]);
        Assert.Equal((string?)image["architecture"], (string?)inspect["Architecture"]);
        Assert.Equal("amd64", (string?)inspect["Architecture"]);
        Assert.Equal((string?)image["os"], (string?)inspect["Os"]);
        Assert.Equal(Strings(image["layers"]), Strings(inspect["Layers"]));

        var config = JsonNode.Parse(await lab.SkopeoInspectAsync(source, config: true))!["config"]!;
        Assert.Equal(Strings(image["entrypoint"]), Strings(config["Entrypoint"]));
        Assert.Equal(["dotnet", $"/app/{assembly}"], Strings(config["Entrypoint"]));
        Assert.Equal((string?)image["user"], (string?)config["User"]);
        Assert.Equal((string?)image["workingDirectory"], (string?)config["WorkingDir"]);
    }

    private static List<string> Strings(JsonNode? node) => node!.AsArray().Select(n => (string)n!).ToList();
}

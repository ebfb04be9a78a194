using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Grid.Registry.Tests;

/// <summary>The pusher against real distribution registries on loopback, checked by skopeo.</summary>
[Collection(RegistryLabTests.Name)]
public sealed class PushTests(RegistryLab lab)
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task PushedArchiveHasTheDigestSkopeoSees()
    {
        var image = TestImage.WriteOciArchive(lab.NewPath("image.tar"), 3000, 200_000);
        using var pusher = new ImagePusher();

        var result = await pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), RegistryLab.Target(lab.First, "grid/hello"), null, CancellationToken.None);

        Assert.Equal(image.ManifestDigest, result.Digest);
        Assert.Equal($"{lab.First.Address}/grid/hello@{image.ManifestDigest}", result.Reference);
        Assert.Equal((image.BlobCount, 0, image.BlobBytes), (result.BlobsUploaded, result.BlobsSkipped, result.BytesUploaded));
        var inspected = JsonNode.Parse(await lab.SkopeoAsync(lab.First, "inspect", "--tls-verify=false", $"docker://{lab.First.Address}/grid/hello:v1"))!;
        Assert.Equal(image.ManifestDigest, (string?)inspected["Digest"]);
        string raw = await lab.SkopeoAsync(lab.First, "inspect", "--raw", "--tls-verify=false", $"docker://{result.Reference}");
        Assert.Equal(image.Manifest, System.Text.Encoding.UTF8.GetBytes(raw.TrimEnd('\n')));
    }

    [Fact]
    public async Task SecondPushOfAnUnchangedImageUploadsNoLayerBytes()
    {
        var image = TestImage.WriteOciArchive(lab.NewPath("image.tar"), 6 * MiB, 1000);
        var target = RegistryLab.Target(lab.First, "grid/again", "latest");
        using var pusher = new ImagePusher();
        var first = await pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), target, null, CancellationToken.None);

        var recorder = new RecordingHandler(ImagePusher.CreateHandler(new RegistryClientOptions()));
        using var again = new ImagePusher(recorder);
        var skipped = new List<PushProgress>();
        var second = await again.PushAsync(ImageSource.FromArchive(image.ArchivePath), target, new SynchronousProgress(skipped.Add), CancellationToken.None);

        Assert.Equal(image.BlobCount, first.BlobsUploaded);
        Assert.Equal((0, image.BlobCount, 0L), (second.BlobsUploaded, second.BlobsSkipped, second.BytesUploaded));
        Assert.Equal(first.Reference, second.Reference);
        Assert.DoesNotContain(recorder.Requests, r => r.Method == HttpMethod.Post || r.Method == HttpMethod.Patch);
        Assert.Equal(image.BlobCount, skipped.Count(p => p.Stage == PushStage.Skipped));
    }

    [Fact]
    public async Task LargeLayerGoesUpInChunksOfAtLeastFiveMiBExceptTheLast()
    {
        var image = TestImage.WriteOciArchive(lab.NewPath("image.tar"), (12 * MiB) + 123);
        var recorder = new RecordingHandler(ImagePusher.CreateHandler(new RegistryClientOptions()));
        using var pusher = new ImagePusher(recorder);

        var result = await pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), RegistryLab.Target(lab.First, "grid/big"), null, CancellationToken.None);

        // Distribution keeps an upload at one path (its state travels in the query): group the PATCHes by upload.
        var uploads = recorder.Patches.GroupBy(p => p.Uri.AbsolutePath).Select(g => g.ToList()).ToList();
        var layer = Assert.Single(uploads, u => u.Sum(p => p.ContentLength) == image.LayerSizes[0]);
        Assert.True(layer.Count >= 2, $"the {image.LayerSizes[0]}-byte layer went up in {layer.Count} PATCH");
        Assert.All(layer.SkipLast(1), p => Assert.True(p.ContentLength >= 5 * MiB, $"a chunk of {p.ContentLength} bytes is not the last and under 5 MiB"));
        Assert.Equal($"0-{layer[0].ContentLength - 1}", layer[0].ContentRange);
        Assert.Equal($"{image.LayerSizes[0] - layer[^1].ContentLength}-{image.LayerSizes[0] - 1}", layer[^1].ContentRange);
        Assert.Equal(image.BlobBytes, result.BytesUploaded);
        var inspected = JsonNode.Parse(await lab.SkopeoAsync(lab.First, "inspect", "--tls-verify=false", $"docker://{lab.First.Address}/grid/big:v1"))!;
        Assert.Equal(image.ManifestDigest, (string?)inspected["Digest"]);
    }

    [Fact]
    public async Task WrongPasswordFailsWithGrid7102()
    {
        var image = TestImage.WriteOciArchive(lab.NewPath("image.tar"), 100);
        using var pusher = new ImagePusher();
        var target = new RegistryTarget(lab.First.Address, "grid/denied", "v1", new RegistryCredentials("AWS", "not-the-token"));

        var error = await Assert.ThrowsAsync<RegistryException>(() => pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), target, null, CancellationToken.None));

        Assert.Equal("GRID7102", error.Code);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.DoesNotContain("not-the-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingCredentialsFailWithGrid7102()
    {
        var image = TestImage.WriteOciArchive(lab.NewPath("image.tar"), 100);
        using var pusher = new ImagePusher();

        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), new RegistryTarget(lab.First.Address, "grid/anonymous", "v1"), null, CancellationToken.None));

        Assert.Equal("GRID7102", error.Code);
        Assert.Contains("none was given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableRegistryFailsFastWithGrid7101()
    {
        var image = TestImage.WriteOciArchive(lab.NewPath("image.tar"), 100);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var pusher = new ImagePusher();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), new RegistryTarget($"127.0.0.1:{port}", "grid/nowhere", "v1"), null, CancellationToken.None));

        Assert.Equal("GRID7101", error.Code);
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task ImageIsCopiedFromOneRegistryToAnother()
    {
        var image = TestImage.WriteOciArchive(lab.NewPath("image.tar"), 6 * MiB, 5000);
        using var pusher = new ImagePusher();
        var source = await pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), RegistryLab.Target(lab.First, "grid/source"), null, CancellationToken.None);

        var copy = ImageSource.FromRegistry(lab.First.Address, "grid/source", source.Digest, RegistryLab.Credentials(lab.First));
        var copied = await pusher.PushAsync(copy, RegistryLab.Target(lab.Second, "team/copied", "run-1"), null, CancellationToken.None);
        var again = await pusher.PushAsync(copy, RegistryLab.Target(lab.Second, "team/copied", "run-2"), null, CancellationToken.None);

        Assert.Equal($"{lab.Second.Address}/team/copied@{image.ManifestDigest}", copied.Reference);
        Assert.Equal((image.BlobCount, 0, image.BlobBytes), (copied.BlobsUploaded, copied.BlobsSkipped, copied.BytesUploaded));
        Assert.Equal((0, image.BlobCount, 0L), (again.BlobsUploaded, again.BlobsSkipped, again.BytesUploaded));
        var inspected = JsonNode.Parse(await lab.SkopeoAsync(lab.Second, "inspect", "--tls-verify=false", $"docker://{lab.Second.Address}/team/copied:run-1"))!;
        Assert.Equal(image.ManifestDigest, (string?)inspected["Digest"]);
    }

    [Fact]
    public async Task CopyOfADigestTheSourceLacksFailsWithGrid7108()
    {
        using var pusher = new ImagePusher();
        string missing = "sha256:" + new string('0', 64);

        var error = await Assert.ThrowsAsync<RegistryException>(() => pusher.PushAsync(
            ImageSource.FromRegistry(lab.First.Address, "grid/source", missing, RegistryLab.Credentials(lab.First)),
            RegistryLab.Target(lab.Second, "team/never"), null, CancellationToken.None));

        Assert.Equal("GRID7108", error.Code);
    }

    [Fact]
    public async Task DockerSaveArchiveWrittenBySkopeoIsPushed()
    {
        var image = TestImage.WriteOciArchive(lab.NewPath("image.tar"), 4000, 70_000);
        string dockerArchive = lab.NewPath("docker.tar");
        await lab.SkopeoAsync(null, "copy", $"oci-archive:{image.ArchivePath}", $"docker-archive:{dockerArchive}:grid/saved:v1");
        using var pusher = new ImagePusher();

        var result = await pusher.PushAsync(ImageSource.FromArchive(dockerArchive), RegistryLab.Target(lab.First, "grid/saved"), null, CancellationToken.None);

        var inspected = JsonNode.Parse(await lab.SkopeoAsync(lab.First, "inspect", "--tls-verify=false", $"docker://{lab.First.Address}/grid/saved:v1"))!;
        Assert.Equal(result.Digest, (string?)inspected["Digest"]);
        Assert.Equal(image.LayerSizes.Count, inspected["Layers"]!.AsArray().Count);
        // The layers are the same uncompressed tars, so they keep their digests through docker save.
        var original = JsonNode.Parse(image.Manifest)!["layers"]!.AsArray().Select(l => (string?)l!["digest"]);
        Assert.Equal(original, inspected["Layers"]!.AsArray().Select(l => (string?)l));
    }

    [Fact]
    public async Task FileThatIsNotAnImageArchiveFailsWithGrid7105()
    {
        string path = lab.NewPath("not-an-image.tar");
        await File.WriteAllTextAsync(path, "hello");
        using var pusher = new ImagePusher();

        var error = await Assert.ThrowsAsync<RegistryException>(() => pusher.PushAsync(ImageSource.FromArchive(path), RegistryLab.Target(lab.First, "grid/bad"), null, CancellationToken.None));

        Assert.Equal("GRID7105", error.Code);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Grid/Upper", "v1")]
    [InlineData("grid//double", "v1")]
    [InlineData("grid/ok", ".hidden")]
    public async Task InvalidNamesFailWithGrid7103BeforeAnyRequest(string repository, string tag)
    {
        var recorder = new RecordingHandler(ImagePusher.CreateHandler(new RegistryClientOptions()));
        using var pusher = new ImagePusher(recorder);

        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            pusher.PushAsync(ImageSource.FromArchive("/nonexistent.tar"), new RegistryTarget(lab.First.Address, repository, tag), null, CancellationToken.None));

        Assert.Equal("GRID7103", error.Code);
        Assert.Empty(recorder.Requests);
    }

    /// <summary>Reports on the pusher's thread: <see cref="Progress{T}"/> posts to the thread pool, too late for an assert.</summary>
    private sealed class SynchronousProgress(Action<PushProgress> report) : IProgress<PushProgress>
    {
        private readonly Lock _lock = new();

        public void Report(PushProgress value)
        {
            lock (_lock)
            {
                report(value);
            }
        }
    }
}

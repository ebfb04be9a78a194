namespace Grid.Registry.Tests;

/// <summary>The pusher against an in-process registry: token auth, absolute Locations, the chunk minimum, retries.</summary>
public sealed class ProtocolTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private static readonly RegistryClientOptions Fast = new() { FirstRetryDelay = TimeSpan.FromMilliseconds(1) };

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("grid-registry-protocol-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task BearerChallengeIsAnsweredWithATokenScopedToTheRepository()
    {
        var registry = new FakeRegistry { Bearer = true };
        var image = TestImage.WriteOciArchive(Path.Combine(_work.FullName, "image.tar"), 1000);
        using var pusher = new ImagePusher(registry, Fast);

        var result = await pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), Target(), null, CancellationToken.None);

        Assert.Equal(image.ManifestDigest, result.Digest);
        Assert.Equal("registry.test repository:team/app:pull,push", Assert.Single(registry.TokenScopes));
    }

    [Fact]
    public async Task BearerTokenRefusedFailsWithGrid7102()
    {
        var registry = new FakeRegistry { Bearer = true };
        var image = TestImage.WriteOciArchive(Path.Combine(_work.FullName, "image.tar"), 1000);
        using var pusher = new ImagePusher(registry, Fast);

        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), Target() with { Credentials = new("AWS", "wrong") }, null, CancellationToken.None));

        Assert.Equal("GRID7102", error.Code);
    }

    [Fact]
    public async Task AbsoluteLocationsAndTheRegistrysChunkMinimumAreHonoured()
    {
        var registry = new FakeRegistry { AbsoluteLocations = true, ChunkMinLength = 7 * MiB };
        var image = TestImage.WriteOciArchive(Path.Combine(_work.FullName, "image.tar"), 15 * MiB);
        using var pusher = new ImagePusher(registry, Fast);

        var result = await pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), Target(), null, CancellationToken.None);

        var patches = registry.Requests.Where(r => r.Method == HttpMethod.Patch && r.Length > 10_000).Select(r => r.Length).ToList();
        Assert.Equal([7 * MiB, 7 * MiB, image.LayerSizes[0] - (14 * MiB)], patches);
        Assert.Contains(registry.Requests, r => r.Path.StartsWith("/uploads/", StringComparison.Ordinal) && r.Method == HttpMethod.Put);
        Assert.Equal(image.BlobBytes, result.BytesUploaded);
    }

    [Fact]
    public async Task ServiceUnavailableIsRetried()
    {
        var registry = new FakeRegistry { FailingPosts = 2 };
        var image = TestImage.WriteOciArchive(Path.Combine(_work.FullName, "image.tar"), 1000);
        using var pusher = new ImagePusher(registry, Fast with { MaxConcurrentUploads = 1 });

        var result = await pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), Target(), null, CancellationToken.None);

        Assert.Equal(image.BlobCount, result.BlobsUploaded);
        Assert.Equal(image.BlobCount + 2, registry.Requests.Count(r => r.Method == HttpMethod.Post));
    }

    [Fact]
    public async Task ServiceUnavailablePastTheRetriesFailsWithGrid7107()
    {
        var registry = new FakeRegistry { FailingPosts = 1000 };
        var image = TestImage.WriteOciArchive(Path.Combine(_work.FullName, "image.tar"), 1000);
        using var pusher = new ImagePusher(registry, Fast);

        var error = await Assert.ThrowsAsync<RegistryException>(() => pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), Target(), null, CancellationToken.None));

        Assert.Equal("GRID7107", error.Code);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, error.StatusCode);
    }

    [Fact]
    public async Task ManifestDigestTheRegistryRewroteFailsWithGrid7104()
    {
        var registry = new FakeRegistry { RewrittenDigest = "sha256:" + new string('a', 64) };
        var image = TestImage.WriteOciArchive(Path.Combine(_work.FullName, "image.tar"), 1000);
        using var pusher = new ImagePusher(registry, Fast);

        var error = await Assert.ThrowsAsync<RegistryException>(() => pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), Target(), null, CancellationToken.None));

        Assert.Equal("GRID7104", error.Code);
        Assert.Contains(image.ManifestDigest, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownRepositoryFailsWithGrid7103()
    {
        var registry = new FakeRegistry();
        var image = TestImage.WriteOciArchive(Path.Combine(_work.FullName, "image.tar"), 1000);
        using var pusher = new ImagePusher(registry, Fast);

        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            pusher.PushAsync(ImageSource.FromArchive(image.ArchivePath), Target() with { Repository = "team/other" }, null, CancellationToken.None));

        Assert.Equal("GRID7103", error.Code);
        Assert.Contains("NAME_UNKNOWN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzippedArchiveIsPushedWithTheSameDigest()
    {
        var image = TestImage.WriteOciArchive(Path.Combine(_work.FullName, "image.tar"), 1000, 2000);
        string gzipped = Path.Combine(_work.FullName, "image.tar.gz");
        await using (var source = File.OpenRead(image.ArchivePath))
        await using (var target = new System.IO.Compression.GZipStream(File.Create(gzipped), System.IO.Compression.CompressionLevel.Fastest))
        {
            await source.CopyToAsync(target);
        }

        using var pusher = new ImagePusher(new FakeRegistry(), Fast);

        var result = await pusher.PushAsync(ImageSource.FromArchive(gzipped), Target(), null, CancellationToken.None);

        Assert.Equal(image.ManifestDigest, result.Digest);
    }

    private static RegistryTarget Target() => new(FakeRegistry.Address, "team/app", "v1", new RegistryCredentials("AWS", "secret"));
}

using System.Net;
using System.Text.RegularExpressions;
using Grid.Registry.Http;
using Grid.Registry.Images;

namespace Grid.Registry;

/// <summary>
/// Pushes an image over the OCI distribution protocol (https://github.com/opencontainers/distribution-spec):
/// <list type="number">
/// <item>GET /v2/ on the target, which also settles authentication (Basic or a Bearer token) once;</item>
/// <item>for each blob (config and layers, up to <see cref="RegistryClientOptions.MaxConcurrentUploads"/> at once):
/// HEAD it, and only when the registry lacks it, POST an upload, PATCH it in chunks of at least 5 MiB, PUT ?digest=;</item>
/// <item>for an index, PUT each image manifest by digest; then PUT the root manifest by tag and check that the
/// registry's <c>Docker-Content-Digest</c> is the local digest.</item>
/// </list>
/// Guarantees: the registry never receives a blob it already holds (a second push of an unchanged image uploads
/// 0 blob bytes); no manifest is put before every blob it names is in the registry, so the tag never points at an
/// incomplete image; every byte sent is checked against its digest before its upload is closed.
/// Retries: a request that meets a 5xx, a 429 or a lost connection is sent again with jittered exponential backoff;
/// a blob whose upload fails that way is uploaded again from its start, up to <see cref="RegistryClientOptions.MaxAttempts"/> times.
/// </summary>
public sealed partial class ImagePusher : IImagePusher, IDisposable
{
    private readonly HttpClient _client;
    private readonly RegistryClientOptions _options;

    /// <summary>A pusher with its own HTTP stack.</summary>
    public ImagePusher(RegistryClientOptions? options = null)
        : this(null, options)
    {
    }

    /// <summary>
    /// A pusher over <paramref name="handler"/> (a test's counting or fault-injecting handler over a
    /// <see cref="SocketsHttpHandler"/>); the handler is disposed with the pusher.
    /// </summary>
    public ImagePusher(HttpMessageHandler? handler, RegistryClientOptions? options = null)
    {
        _options = options ?? new RegistryClientOptions();
        _client = new HttpClient(handler ?? CreateHandler(_options), disposeHandler: true)
        {
            // Each request has its own limit (RequestTimeout); a large blob's upload as a whole has none.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>The HTTP handler the pusher uses by default: a short connect timeout, so an unreachable registry fails fast.</summary>
    public static SocketsHttpHandler CreateHandler(RegistryClientOptions options) => new()
    {
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AutomaticDecompression = DecompressionMethods.None,
    };

    public async Task<PushResult> PushAsync(ImageSource source, RegistryTarget target, IProgress<PushProgress>? progress, CancellationToken ct)
    {
        CheckNames(target.Repository, target.Tag);
        var endpoint = RegistryEndpoint.Parse(target.Registry);
        using var destination = new RegistryClient(new RegistryHttp(_client, endpoint, target.Repository, "pull,push", target.Credentials, _options), _options);

        using var content = await OpenAsync(source, ct);
        await destination.CheckAsync(ct);

        var counters = new Counters();
        var root = content.Root;
        if (root.IsIndex)
        {
            foreach (var child in root.Manifests)
            {
                var manifest = await content.ReadManifestAsync(child, ct);
                if (manifest.IsIndex)
                {
                    throw new RegistryException(RegistryErrorCodes.UnsupportedArchive, $"{content.Name} nests an index in an index ({child.Digest}); only one level is pushed.");
                }

                await PushBlobsAsync(content, destination, manifest, counters, progress, ct);
                await PutManifestAsync(destination, manifest, manifest.Digest, progress, ct);
            }
        }
        else
        {
            await PushBlobsAsync(content, destination, root, counters, progress, ct);
        }

        await PutManifestAsync(destination, root, target.Tag, progress, ct);
        return new PushResult($"{endpoint.Name}/{target.Repository}@{root.Digest}", root.Digest, counters.Uploaded, counters.Skipped, counters.Bytes);
    }

    public void Dispose() => _client.Dispose();

    private async Task<IImageContent> OpenAsync(ImageSource source, CancellationToken ct)
    {
        switch (source)
        {
            case ArchiveImageSource archive:
                return await ArchiveImage.OpenAsync(archive.Path, ct);
            case RegistryImageSource image:
                CheckNames(image.Repository, tag: null);
                var endpoint = RegistryEndpoint.Parse(image.Registry);
                var client = new RegistryClient(new RegistryHttp(_client, endpoint, image.Repository, "pull", image.Credentials, _options), _options);
                return await RegistryImage.OpenAsync(client, image.Digest, ct);
            default:
                throw new ArgumentException($"unknown image source {source.GetType().Name}", nameof(source));
        }
    }

    private async Task PushBlobsAsync(
        IImageContent content, RegistryClient destination, Manifest manifest, Counters counters, IProgress<PushProgress>? progress, CancellationToken ct)
    {
        var blobs = manifest.Blobs.DistinctBy(b => b.Digest).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxConcurrentUploads), CancellationToken = ct };
        await Parallel.ForEachAsync(blobs, parallel, async (blob, token) =>
        {
            if (await destination.BlobExistsAsync(blob.Digest, token))
            {
                counters.Skip();
                progress?.Report(new PushProgress(PushStage.Skipped, blob.Digest, 0, blob.Size));
                return;
            }

            long sent = await UploadWithRetriesAsync(content, destination, blob, progress, token);
            counters.Upload(sent);
            progress?.Report(new PushProgress(PushStage.Uploaded, blob.Digest, sent, blob.Size));
        });
    }

    private async Task<long> UploadWithRetriesAsync(IImageContent content, RegistryClient destination, Descriptor blob, IProgress<PushProgress>? progress, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using var stream = await content.OpenBlobAsync(blob, ct);
                return await destination.UploadBlobAsync(blob, stream, done => progress?.Report(new PushProgress(PushStage.Uploading, blob.Digest, done, blob.Size)), ct);
            }
            catch (RegistryException e) when (attempt < _options.MaxAttempts && IsTransient(e))
            {
                // The upload's state in the registry is unknown: start the blob again, from a fresh upload.
                await Task.Delay(_options.FirstRetryDelay * attempt, _options.TimeProvider, ct);
            }
        }
    }

    private static bool IsTransient(RegistryException e) =>
        e.Code == RegistryErrorCodes.Unreachable
        || (e.Code == RegistryErrorCodes.RegistryFailed && e.StatusCode is { } status && RegistryHttp.IsTransient(status));

    private static async Task PutManifestAsync(RegistryClient destination, Manifest manifest, string reference, IProgress<PushProgress>? progress, CancellationToken ct)
    {
        string? confirmed = await destination.PutManifestAsync(reference, manifest, ct);
        if (confirmed is not null && confirmed != manifest.Digest)
        {
            throw new RegistryException(RegistryErrorCodes.DigestMismatch,
                $"The registry stored the manifest of {destination.Repository}:{reference} as {confirmed}, but its bytes hash to {manifest.Digest}. The registry rewrote the manifest; push to a registry that keeps manifests as sent.");
        }

        progress?.Report(new PushProgress(PushStage.ManifestPushed, manifest.Digest, manifest.Bytes.Length, manifest.Bytes.Length));
    }

    // The distribution spec's grammar for names and tags; ECR's is the same for repositories.
    private static void CheckNames(string repository, string? tag)
    {
        if (repository.Length is 0 or > 255 || !RepositoryName().IsMatch(repository))
        {
            throw new RegistryException(RegistryErrorCodes.NameRefused,
                $"The repository name '{repository}' is not valid: lower-case letters and digits in path components separated by '/', with single '.', '_', '__' or '-' runs between them (e.g. team/tile-stats), up to 255 characters.");
        }

        if (tag is not null && !TagName().IsMatch(tag))
        {
            throw new RegistryException(RegistryErrorCodes.NameRefused,
                $"The tag '{tag}' is not valid: 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'.");
        }
    }

    [GeneratedRegex("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryName();

    [GeneratedRegex("^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")]
    private static partial Regex TagName();

    private sealed class Counters
    {
        private int _uploaded;
        private int _skipped;
        private long _bytes;

        public int Uploaded => _uploaded;

        public int Skipped => _skipped;

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Skip() => Interlocked.Increment(ref _skipped);

        public void Upload(long bytes)
        {
            Interlocked.Increment(ref _uploaded);
            Interlocked.Add(ref _bytes, bytes);
        }
    }
}

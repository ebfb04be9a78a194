using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Grid.Registry.Images;

namespace Grid.Registry.Http;

/// <summary>
/// The distribution-spec calls on one repository: blob HEAD and GET, the chunked blob upload, manifest GET and PUT.
/// </summary>
internal sealed class RegistryClient(RegistryHttp http, RegistryClientOptions options) : IDisposable
{
    /// <summary>The header by which a registry may raise the chunk size (distribution spec 1.1).</summary>
    public const string ChunkMinLengthHeader = "OCI-Chunk-Min-Length";

    public RegistryEndpoint Endpoint => http.Endpoint;

    public string Repository => http.Repository;

    public void Dispose() => http.Dispose();

    /// <summary>
    /// GET /v2/: proves the registry answers and settles authentication once, before uploads run concurrently
    /// (otherwise each would meet its own 401).
    /// </summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        using var response = await http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Endpoint.Api("")), "GET /v2/", retry: true, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw await http.ErrorAsync(response, "GET /v2/", ct);
        }
    }

    public async Task<bool> BlobExistsAsync(string digest, CancellationToken ct)
    {
        string what = $"HEAD blob {digest} of {Repository}";
        using var response = await http.SendAsync(() => new HttpRequestMessage(HttpMethod.Head, BlobUri(digest)), what, retry: true, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        return response.IsSuccessStatusCode ? true : throw await http.ErrorAsync(response, what, ct);
    }

    /// <summary>The blob's bytes as a stream that owns the response; redirects (to S3, a CDN) are followed.</summary>
    public async Task<Stream> OpenBlobAsync(string digest, CancellationToken ct)
    {
        string what = $"GET blob {digest} of {Repository}";
        var response = await http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, BlobUri(digest)), what, retry: true, ct);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await http.ErrorAsync(response, what, ct);
            }
        }

        return new BoundedReadStream(await response.Content.ReadAsStreamAsync(ct), response.Content.Headers.ContentLength ?? long.MaxValue, response);
    }

    /// <summary>The manifest's bytes and the media type it came with, or null when the registry has no such manifest.</summary>
    public async Task<(byte[] Bytes, string? MediaType)?> GetManifestAsync(string reference, CancellationToken ct)
    {
        string what = $"GET manifest {reference} of {Repository}";
        using var response = await http.SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, ManifestUri(reference));
                foreach (string type in MediaTypes.Manifests)
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                }

                return request;
            },
            what, retry: true, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw await http.ErrorAsync(response, what, ct);
        }

        return (await response.Content.ReadAsByteArrayAsync(ct), response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>PUT a manifest by tag or digest; returns the digest the registry says it stored (Docker-Content-Digest).</summary>
    public async Task<string?> PutManifestAsync(string reference, Manifest manifest, CancellationToken ct)
    {
        string what = $"PUT manifest {reference} of {Repository}";
        using var response = await http.SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, ManifestUri(reference)) { Content = Bytes(manifest.Bytes, 0, manifest.Bytes.Length, manifest.MediaType) },
            what, retry: true, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw await http.ErrorAsync(response, what, ct);
        }

        return response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
    }

    /// <summary>
    /// Uploads one blob: POST to open an upload, PATCH the bytes in chunks (each with its Content-Range, each going to
    /// the Location the previous answer gave), then PUT ?digest= to close it. The bytes are hashed as they pass and
    /// the upload is not closed unless they match the digest. Returns the bytes sent.
    /// Not retried here: a failed PATCH leaves the upload in a state only the registry knows; the caller starts the
    /// whole blob again.
    /// </summary>
    public async Task<long> UploadBlobAsync(Descriptor blob, Stream source, Action<long> sent, CancellationToken ct)
    {
        string what = $"upload of blob {blob.Digest} to {Repository}";
        Uri location;
        int chunkSize = Math.Max(options.ChunkSize, RegistryClientOptions.MinimumChunkSize);
        using (var start = await http.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, Endpoint.Api($"{Repository}/blobs/uploads/")) { Content = Bytes([], 0, 0, null) }, what, retry: true, ct))
        {
            if (start.StatusCode != HttpStatusCode.Accepted)
            {
                throw await http.ErrorAsync(start, what, ct);
            }

            location = UploadLocation.Resolve(start.RequestMessage!.RequestUri!, start.Headers.Location?.OriginalString ?? "");
            chunkSize = Math.Max(chunkSize, ChunkMinLength(start));
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = 0;
        try
        {
            while (true)
            {
                int read = await source.ReadAtLeastAsync(buffer.AsMemory(0, chunkSize), chunkSize, throwOnEndOfStream: false, ct);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                var chunkLocation = location;
                long first = offset;
                using (var patch = await http.SendAsync(
                    () =>
                    {
                        var content = Bytes(buffer, 0, read, "application/octet-stream");
                        // The distribution spec's Content-Range has no unit: <first>-<last>, both inclusive.
                        content.Headers.TryAddWithoutValidation("Content-Range", string.Create(CultureInfo.InvariantCulture, $"{first}-{first + read - 1}"));
                        return new HttpRequestMessage(HttpMethod.Patch, chunkLocation) { Content = content };
                    },
                    what, retry: false, ct))
                {
                    if (patch.StatusCode != HttpStatusCode.Accepted)
                    {
                        throw await http.ErrorAsync(patch, what, ct);
                    }

                    location = UploadLocation.Resolve(patch.RequestMessage!.RequestUri!, patch.Headers.Location?.OriginalString ?? "");
                }

                offset += read;
                sent(offset);
                if (read < chunkSize)
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        string actual = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
        if (actual != blob.Digest || offset != blob.Size)
        {
            throw new RegistryException(RegistryErrorCodes.DigestMismatch,
                $"The blob {blob.Digest} ({blob.Size} bytes) read as {offset} bytes hashing to {actual}; the source is damaged or changed while being read. Publish the image again.");
        }

        var close = UploadLocation.WithQuery(location, "digest", blob.Digest);
        using var done = await http.SendAsync(() => new HttpRequestMessage(HttpMethod.Put, close) { Content = Bytes([], 0, 0, "application/octet-stream") }, what, retry: false, ct);
        if (done.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.OK))
        {
            throw await http.ErrorAsync(done, what, ct);
        }

        return offset;
    }

    private Uri BlobUri(string digest) => Endpoint.Api($"{Repository}/blobs/{digest}");

    private Uri ManifestUri(string reference) => Endpoint.Api($"{Repository}/manifests/{reference}");

    private static int ChunkMinLength(HttpResponseMessage response) =>
        response.Headers.TryGetValues(ChunkMinLengthHeader, out var values)
        && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out int length) && length > 0
            ? length
            : 0;

    private static ByteArrayContent Bytes(byte[] bytes, int offset, int count, string? mediaType)
    {
        var content = new ByteArrayContent(bytes, offset, count);
        if (mediaType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        return content;
    }
}

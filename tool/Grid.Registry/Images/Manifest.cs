using System.Text.Json;

namespace Grid.Registry.Images;

/// <summary>
/// A manifest as pushed: its exact bytes (the digest is of these bytes, so they are never re-serialized), its media
/// type, and what it names: an image manifest names a config and layers, an index names image manifests.
/// </summary>
internal sealed class Manifest
{
    private Manifest(byte[] bytes, string mediaType, string digest, IReadOnlyList<Descriptor> blobs, IReadOnlyList<Descriptor> manifests)
    {
        Bytes = bytes;
        MediaType = mediaType;
        Digest = digest;
        Blobs = blobs;
        Manifests = manifests;
    }

    public byte[] Bytes { get; }

    public string MediaType { get; }

    public string Digest { get; }

    public bool IsIndex => MediaTypes.IsIndex(MediaType);

    /// <summary>The config, then the layers (an image manifest); empty for an index.</summary>
    public IReadOnlyList<Descriptor> Blobs { get; }

    /// <summary>The image manifests an index names; empty for an image manifest.</summary>
    public IReadOnlyList<Descriptor> Manifests { get; }

    /// <summary>
    /// Reads a manifest. Its media type is the one in its own <c>mediaType</c> field, else the one it was labelled
    /// with (a descriptor's, or the Content-Type it came with), else inferred from its shape.
    /// </summary>
    public static Manifest Parse(byte[] bytes, string? labelledMediaType, string what)
    {
        try
        {
            using var json = JsonDocument.Parse(bytes);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Unsupported(what, "it is not a JSON object");
            }

            if (root.TryGetProperty("schemaVersion", out var version) && version.ValueKind == JsonValueKind.Number && version.GetInt32() != 2)
            {
                throw Unsupported(what, $"schemaVersion {version.GetInt32()} (only 2 is read)");
            }

            string? own = root.TryGetProperty("mediaType", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            bool hasManifests = root.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array;
            string mediaType = own ?? NonGeneric(labelledMediaType) ?? (hasManifests ? MediaTypes.OciIndex : MediaTypes.OciManifest);
            if (MediaTypes.IsIndex(mediaType))
            {
                var children = hasManifests ? manifests.EnumerateArray().Select(d => ReadDescriptor(d, what)).ToList() : [];
                return new Manifest(bytes, mediaType, Digests.Of(bytes), [], children);
            }

            if (mediaType is not (MediaTypes.OciManifest or MediaTypes.DockerManifest))
            {
                throw Unsupported(what, $"media type '{mediaType}'");
            }

            if (!root.TryGetProperty("config", out var config) || !root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
            {
                throw Unsupported(what, "it has no config or no layers");
            }

            var blobs = new List<Descriptor> { ReadDescriptor(config, what) };
            blobs.AddRange(layers.EnumerateArray().Select(d => ReadDescriptor(d, what)));
            return new Manifest(bytes, mediaType, Digests.Of(bytes), blobs, []);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw Unsupported(what, "it is not valid JSON: " + e.Message);
        }
    }

    private static string? NonGeneric(string? mediaType) =>
        string.IsNullOrEmpty(mediaType) || mediaType is "application/json" or "application/octet-stream" or "text/plain" ? null : mediaType;

    private static Descriptor ReadDescriptor(JsonElement element, string what)
    {
        string mediaType = element.TryGetProperty("mediaType", out var m) ? m.GetString() ?? "" : "";
        string digest = element.TryGetProperty("digest", out var d) ? d.GetString() ?? "" : "";
        long size = element.TryGetProperty("size", out var s) ? s.GetInt64() : -1;
        if (!Digests.IsValid(digest) || size < 0)
        {
            throw Unsupported(what, $"a descriptor has digest '{digest}' and size {size} (sha256 digests and sizes are required)");
        }

        return new Descriptor(mediaType, digest, size);
    }

    private static RegistryException Unsupported(string what, string why) =>
        new(RegistryErrorCodes.UnsupportedArchive, $"{what} is not an image manifest this pusher reads: {why}.");
}

using Grid.Registry.Http;

namespace Grid.Registry.Images;

/// <summary>
/// An image in a registry, pinned by digest: manifests are fetched and checked against their digests, blobs are
/// streamed from the source registry's response straight into the target's upload, a chunk at a time.
/// </summary>
internal sealed class RegistryImage : IImageContent
{
    private readonly RegistryClient _client;

    private RegistryImage(RegistryClient client, string name, Manifest root)
    {
        _client = client;
        Name = name;
        Root = root;
    }

    public string Name { get; }

    public Manifest Root { get; }

    public static async Task<RegistryImage> OpenAsync(RegistryClient client, string digest, CancellationToken ct)
    {
        string name = $"{client.Endpoint.Name}/{client.Repository}@{digest}";
        if (!Digests.IsValid(digest))
        {
            throw new RegistryException(RegistryErrorCodes.SourceNotFound, $"The source image '{name}' is not pinned by a sha256 digest (sha256: and 64 hex digits).");
        }

        await client.CheckAsync(ct);
        var root = await ReadAsync(client, name, new Descriptor("", digest, -1), ct);
        return new RegistryImage(client, name, root);
    }

    public Task<Manifest> ReadManifestAsync(Descriptor descriptor, CancellationToken ct) => ReadAsync(_client, Name, descriptor, ct);

    public Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken ct) => _client.OpenBlobAsync(descriptor.Digest, ct);

    public void Dispose() => _client.Dispose();

    private static async Task<Manifest> ReadAsync(RegistryClient client, string name, Descriptor descriptor, CancellationToken ct)
    {
        var answer = await client.GetManifestAsync(descriptor.Digest, ct)
            ?? throw new RegistryException(RegistryErrorCodes.SourceNotFound, $"The source registry has no manifest {descriptor.Digest} in {client.Repository} (copying {name}). Check the repository and digest.");
        Digests.Verify(answer.Bytes, descriptor.Digest, $"The manifest {descriptor.Digest} from {client.Endpoint.Name}/{client.Repository}");
        string? mediaType = string.IsNullOrEmpty(descriptor.MediaType) ? answer.MediaType : descriptor.MediaType;
        return Manifest.Parse(answer.Bytes, mediaType, $"The manifest {descriptor.Digest} from {client.Endpoint.Name}/{client.Repository}");
    }
}

namespace Grid.Registry.Images;

/// <summary>
/// An image's content, wherever it is kept: its root manifest (an image manifest or an index), the other manifests
/// by digest, and each blob as a stream opened afresh for every try of its upload.
/// </summary>
internal interface IImageContent : IDisposable
{
    /// <summary>What the content is, for messages: the archive path, or registry/repository@digest.</summary>
    string Name { get; }

    Manifest Root { get; }

    /// <summary>A manifest an index names, its bytes checked against the digest.</summary>
    Task<Manifest> ReadManifestAsync(Descriptor descriptor, CancellationToken ct);

    /// <summary>The blob's bytes, streamed; the uploader checks them against the digest as they pass.</summary>
    Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken ct);
}

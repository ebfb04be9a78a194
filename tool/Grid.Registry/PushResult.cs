namespace Grid.Registry;

/// <summary>What a push did.</summary>
/// <param name="Reference">The pushed image pinned by digest: <c>registry/repository@sha256:…</c>.</param>
/// <param name="Digest">The manifest digest the registry confirmed (equal to the local one).</param>
/// <param name="BlobsUploaded">Blobs (layers and configs) sent to the registry.</param>
/// <param name="BlobsSkipped">Blobs the registry already held, so not sent.</param>
/// <param name="BytesUploaded">Blob bytes sent; manifests are not counted. 0 for a second push of an unchanged image.</param>
public sealed record PushResult(string Reference, string Digest, int BlobsUploaded, int BlobsSkipped, long BytesUploaded);

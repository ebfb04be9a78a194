namespace Grid.Registry;

/// <summary>Where the image to push comes from.</summary>
public abstract record ImageSource
{
    private protected ImageSource()
    {
    }

    /// <summary>
    /// An image archive: the OCI layout tar (<c>index.json</c>, <c>blobs/sha256/…</c>) that
    /// <c>dotnet publish -p:PublishGrid=true</c> writes as <c>grid/image.tar</c>, or a docker-save tar
    /// (<c>manifest.json</c>). An uncompressed tar is read in place; a gzipped one is unpacked to a temporary file first.
    /// </summary>
    public static ImageSource FromArchive(string path) => new ArchiveImageSource(path);

    /// <summary>An image already in a registry, named by its manifest digest; its blobs are streamed across.</summary>
    public static ImageSource FromRegistry(string registry, string repository, string digest, RegistryCredentials? credentials = null) =>
        new RegistryImageSource(registry, repository, digest, credentials);
}

/// <summary>An image archive on disk.</summary>
public sealed record ArchiveImageSource(string Path) : ImageSource;

/// <summary>An image in a registry, <c>registry/repository@digest</c>.</summary>
public sealed record RegistryImageSource(string Registry, string Repository, string Digest, RegistryCredentials? Credentials) : ImageSource
{
    public override string ToString() => $"{Registry}/{Repository}@{Digest}";
}

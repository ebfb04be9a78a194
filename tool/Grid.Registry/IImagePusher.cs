namespace Grid.Registry;

/// <summary>
/// Pushes one image into a registry over the OCI distribution protocol. Blobs the registry already holds are never
/// uploaded again, so a second push of an unchanged image sends only its manifest.
/// </summary>
public interface IImagePusher
{
    /// <summary>
    /// Pushes <paramref name="source"/> to <paramref name="target"/> and tags it. Fails with a
    /// <see cref="RegistryException"/> whose code says what went wrong (GRID7101–GRID7119).
    /// </summary>
    Task<PushResult> PushAsync(ImageSource source, RegistryTarget target, IProgress<PushProgress>? progress, CancellationToken ct);
}

namespace Grid.Registry;

/// <summary>How the pusher talks to registries. The defaults suit ECR and the distribution registry.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>ECR refuses a chunk under 5 MiB, except the last of a blob; no registry minds chunks this large.</summary>
    public const int MinimumChunkSize = 5 * 1024 * 1024;

    /// <summary>
    /// Bytes per PATCH. Raised to the registry's <c>OCI-Chunk-Min-Length</c> when it asks for more; never below
    /// <see cref="MinimumChunkSize"/>. Each upload in flight holds one chunk in memory.
    /// </summary>
    public int ChunkSize { get; init; } = MinimumChunkSize;

    /// <summary>Blobs uploaded at once: enough to overlap round trips, few enough not to starve a slow uplink.</summary>
    public int MaxConcurrentUploads { get; init; } = 3;

    /// <summary>Tries of one request (or of one blob's whole upload) on a 5xx, a 429 or a lost connection.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The first retry's delay; each next one doubles it, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one request may take to answer before it counts as a lost connection.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long to wait for a TCP connection: short, so an unreachable registry fails fast.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock for retry delays; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

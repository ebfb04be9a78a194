namespace Grid.Build.Tasks;

/// <summary>The Grid* properties of a project, checked and typed: what grid.json records about the job.</summary>
internal sealed record GridSettings
{
    public required int Workers { get; init; }
    public required int SlotsPerWorker { get; init; }
    public required decimal Cpu { get; init; }
    public required int MemoryMiB { get; init; }
    public required int Gpu { get; init; }
    public required IReadOnlyList<string> InstanceTypes { get; init; }
    public required bool Spot { get; init; }

    /// <summary>US dollars per instance-hour; null: at most the on-demand price.</summary>
    public required decimal? MaxSpotPrice { get; init; }
    public required bool OnDemandFallback { get; init; }

    /// <summary>null: the region the AWS SDK is configured with.</summary>
    public required string? Region { get; init; }
    public required string Repository { get; init; }

    /// <summary>null: no per-task deadline.</summary>
    public required int? TaskTimeoutSeconds { get; init; }
    public required int MaxAttempts { get; init; }
    public required string BaseImage { get; init; }

    /// <summary>amd64 or arm64.</summary>
    public required string Architecture { get; init; }

    /// <summary>The RID the image is built for: linux-x64 or linux-arm64 unless the project named another linux RID.</summary>
    public required string ContainerRuntimeIdentifier { get; init; }

    /// <summary>null: the image is written to grid/image.tar instead of being pushed.</summary>
    public required string? Registry { get; init; }
    public required string ImageTag { get; init; }
}

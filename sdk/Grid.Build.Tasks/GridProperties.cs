namespace Grid.Build.Tasks;

/// <summary>
/// The Grid* properties of a project as MSBuild hands them over: raw text, possibly empty. An empty value takes the
/// documented default (build/Grid.Sdk.props sets the same ones, so a project shows them in a binary log).
/// </summary>
internal sealed record GridProperties
{
    public string Workers { get; init; } = "";
    public string SlotsPerWorker { get; init; } = "";
    public string Cpu { get; init; } = "";
    public string MemoryMiB { get; init; } = "";
    public string Gpu { get; init; } = "";
    public string InstanceTypes { get; init; } = "";
    public string Spot { get; init; } = "";
    public string MaxSpotPrice { get; init; } = "";
    public string OnDemandFallback { get; init; } = "";
    public string Region { get; init; } = "";
    public string Repository { get; init; } = "";
    public string TaskTimeout { get; init; } = "";
    public string MaxAttempts { get; init; } = "";
    public string BaseImage { get; init; } = "";
    public string Architecture { get; init; } = "";
    public string Registry { get; init; } = "";
    public string ImageTag { get; init; } = "";

    /// <summary>ContainerRuntimeIdentifier, which wins over RuntimeIdentifier when both are set.</summary>
    public string ContainerRuntimeIdentifier { get; init; } = "";
    public string RuntimeIdentifier { get; init; } = "";

    /// <summary>The project's OutputType: a job must be a program.</summary>
    public string OutputType { get; init; } = "";

    /// <summary>The SDK's EnableSdkContainerSupport: 'false' leaves PublishGrid with no way to build the image.</summary>
    public string EnableSdkContainerSupport { get; init; } = "";

    /// <summary>EnableGridArchitectureCheck: anything but 'false' checks instance types against the architecture.</summary>
    public string EnableArchitectureCheck { get; init; } = "";
}

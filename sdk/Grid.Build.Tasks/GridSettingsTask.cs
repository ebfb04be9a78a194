
namespace Grid.Build.Tasks;

/// <summary>
/// A task that takes the Grid* properties. Each parameter is the property's text as MSBuild has it; an empty one
/// means the documented default. The rules live in <see cref="GridSettingsParser"/>.
/// </summary>
public abstract class GridSettingsTask : Microsoft.Build.Utilities.Task
{
    protected GridSettingsTask()
        : base(Strings.ResourceManager)
    {
    }

    public string Workers { get; set; } = "";
    public string SlotsPerWorker { get; set; } = "";
    public string Cpu { get; set; } = "";
    public string MemoryMiB { get; set; } = "";
    public string Gpu { get; set; } = "";

    /// <summary>Semicolon-separated EC2 instance types.</summary>
    public string InstanceTypes { get; set; } = "";
    public string Spot { get; set; } = "";
    public string MaxSpotPrice { get; set; } = "";
    public string OnDemandFallback { get; set; } = "";
    public string Region { get; set; } = "";
    public string Repository { get; set; } = "";
    public string TaskTimeout { get; set; } = "";
    public string MaxAttempts { get; set; } = "";
    public string BaseImage { get; set; } = "";
    public string Architecture { get; set; } = "";
    public string Registry { get; set; } = "";
    public string ImageTag { get; set; } = "";
    public string ContainerRuntimeIdentifier { get; set; } = "";
    public string RuntimeIdentifier { get; set; } = "";
    public string OutputType { get; set; } = "";
    public string EnableSdkContainerSupport { get; set; } = "";
    public string EnableArchitectureCheck { get; set; } = "";

    /// <summary>Checks every property, logs one GRID error per broken rule, and returns the settings when none broke.</summary>
    private protected GridSettings? ParseSettings()
    {
        var diagnostics = new List<GridDiagnostic>();
        var settings = GridSettingsParser.Parse(
            new GridProperties
            {
                Workers = Workers,
                SlotsPerWorker = SlotsPerWorker,
                Cpu = Cpu,
                MemoryMiB = MemoryMiB,
                Gpu = Gpu,
                InstanceTypes = InstanceTypes,
                Spot = Spot,
                MaxSpotPrice = MaxSpotPrice,
                OnDemandFallback = OnDemandFallback,
                Region = Region,
                Repository = Repository,
                TaskTimeout = TaskTimeout,
                MaxAttempts = MaxAttempts,
                BaseImage = BaseImage,
                Architecture = Architecture,
                Registry = Registry,
                ImageTag = ImageTag,
                ContainerRuntimeIdentifier = ContainerRuntimeIdentifier,
                RuntimeIdentifier = RuntimeIdentifier,
                OutputType = OutputType,
                EnableSdkContainerSupport = EnableSdkContainerSupport,
                EnableArchitectureCheck = EnableArchitectureCheck,
            },
            diagnostics);
        foreach (var diagnostic in diagnostics)
        {
            LogError(diagnostic);
        }

        return settings;
    }

    private protected void LogError(GridDiagnostic diagnostic) =>
        Log.LogErrorWithCodeFromResources(diagnostic.MessageName, diagnostic.Arguments);
}

using System.Globalization;
using Microsoft.Build.Framework;

namespace Grid.Build.Tasks;

/// <summary>
/// Checks every Grid* property of a job (GRID1001–GRID1022), including that the instance types run the image's
/// architecture, and returns the values with defaults applied, for the targets to hand to the .NET SDK's container
/// support and to <see cref="WriteGridManifest"/>. Writes nothing: ComputeGridManifest stays free of side effects.
/// </summary>
public sealed class ValidateGridProperties : GridSettingsTask
{
    [Output]
    public string ValidatedWorkers { get; private set; } = "";

    [Output]
    public string ValidatedSlotsPerWorker { get; private set; } = "";

    [Output]
    public string ValidatedCpu { get; private set; } = "";

    [Output]
    public string ValidatedMemoryMiB { get; private set; } = "";

    [Output]
    public string ValidatedGpu { get; private set; } = "";

    /// <summary>Lower-cased, without duplicates, separated by ';'.</summary>
    [Output]
    public string ValidatedInstanceTypes { get; private set; } = "";

    [Output]
    public string ValidatedSpot { get; private set; } = "";

    [Output]
    public string ValidatedMaxSpotPrice { get; private set; } = "";

    [Output]
    public string ValidatedOnDemandFallback { get; private set; } = "";

    [Output]
    public string ValidatedRegion { get; private set; } = "";

    [Output]
    public string ValidatedRepository { get; private set; } = "";

    /// <summary>Whole seconds, or empty for no limit.</summary>
    [Output]
    public string ValidatedTaskTimeoutSeconds { get; private set; } = "";

    [Output]
    public string ValidatedMaxAttempts { get; private set; } = "";

    [Output]
    public string ValidatedBaseImage { get; private set; } = "";

    /// <summary>amd64 or arm64.</summary>
    [Output]
    public string ValidatedArchitecture { get; private set; } = "";

    /// <summary>The RID to build the image for (ContainerRuntimeIdentifier).</summary>
    [Output]
    public string ValidatedContainerRuntimeIdentifier { get; private set; } = "";

    [Output]
    public string ValidatedRegistry { get; private set; } = "";

    [Output]
    public string ValidatedImageTag { get; private set; } = "";

    public override bool Execute()
    {
        var settings = ParseSettings();
        if (settings is null)
        {
            return false;
        }

        var invariant = CultureInfo.InvariantCulture;
        ValidatedWorkers = settings.Workers.ToString(invariant);
        ValidatedSlotsPerWorker = settings.SlotsPerWorker.ToString(invariant);
        ValidatedCpu = GridJson.Normalize(settings.Cpu).ToString(invariant);
        ValidatedMemoryMiB = settings.MemoryMiB.ToString(invariant);
        ValidatedGpu = settings.Gpu.ToString(invariant);
        ValidatedInstanceTypes = string.Join(";", settings.InstanceTypes);
        ValidatedSpot = settings.Spot ? "true" : "false";
        ValidatedMaxSpotPrice = settings.MaxSpotPrice is { } price ? GridJson.Normalize(price).ToString(invariant) : "";
        ValidatedOnDemandFallback = settings.OnDemandFallback ? "true" : "false";
        ValidatedRegion = settings.Region ?? "";
        ValidatedRepository = settings.Repository;
        ValidatedTaskTimeoutSeconds = settings.TaskTimeoutSeconds?.ToString(invariant) ?? "";
        ValidatedMaxAttempts = settings.MaxAttempts.ToString(invariant);
        ValidatedBaseImage = settings.BaseImage;
        ValidatedArchitecture = settings.Architecture;
        ValidatedContainerRuntimeIdentifier = settings.ContainerRuntimeIdentifier;
        ValidatedRegistry = settings.Registry ?? "";
        ValidatedImageTag = settings.ImageTag;
        return true;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Grid.Build.Tasks;

/// <summary>
/// The rules for every Grid* property. <see cref="Parse"/> checks them all and reports every broken rule at once (one
/// GRID1xxx error each), so a project with three mistakes learns of all three from one build.
/// </summary>
internal static partial class GridSettingsParser
{
    public const int MaxWorkers = 10_000;
    public const int MaxSlotsPerWorker = 1024;
    public const decimal MinCpu = 0.25m;
    public const decimal MaxCpu = 1024;
    public const int MinMemoryMiB = 128;
    public const int MaxMemoryMiB = 32 * 1024 * 1024;
    public const int MaxGpu = 16;
    public const int MaxAttempts = 100;
    public const int MaxTaskTimeoutSeconds = 7 * 24 * 3600;
    public const int MinRepositoryLength = 2;
    public const int MaxRepositoryLength = 256;

    /// <summary>The settings, or null when a rule failed; <paramref name="diagnostics"/> holds one entry per failure.</summary>
    public static GridSettings? Parse(GridProperties properties, List<GridDiagnostic> diagnostics)
    {
        int before = diagnostics.Count;
        void Fail(string message, params object?[] arguments) => diagnostics.Add(new GridDiagnostic(message, arguments));

        string outputType = properties.OutputType.Trim();
        if (outputType.Length > 0 && !outputType.Equals("Exe", StringComparison.OrdinalIgnoreCase) && !outputType.Equals("WinExe", StringComparison.OrdinalIgnoreCase))
        {
            Fail("ProjectNotExecutable", outputType);
        }

        if (properties.EnableSdkContainerSupport.Trim().Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            Fail("ContainerSupportDisabled", properties.EnableSdkContainerSupport.Trim());
        }

        int workers = WholeNumber(properties.Workers, GridDefaults.Workers, 1, MaxWorkers, "WorkersInvalid", Fail);
        decimal cpu = GridDefaults.Cpu;
        string cpuText = properties.Cpu.Trim();
        if (cpuText.Length > 0 && !(TryDecimal(cpuText, out cpu) && cpu >= MinCpu && cpu <= MaxCpu))
        {
            Fail("CpuInvalid", cpuText);
            cpu = GridDefaults.Cpu;
        }

        // One slot per whole vCPU: a CPU-bound handler keeps every vCPU busy and no more.
        int defaultSlots = (int)Math.Clamp(decimal.Floor(cpu), 1, MaxSlotsPerWorker);
        int slots = WholeNumber(properties.SlotsPerWorker, defaultSlots, 1, MaxSlotsPerWorker, "SlotsPerWorkerInvalid", Fail);
        int memory = WholeNumber(properties.MemoryMiB, GridDefaults.MemoryMiB, MinMemoryMiB, MaxMemoryMiB, "MemoryInvalid", Fail);
        int gpu = WholeNumber(properties.Gpu, GridDefaults.Gpu, 0, MaxGpu, "GpuInvalid", Fail);
        int maxAttempts = WholeNumber(properties.MaxAttempts, GridDefaults.MaxAttempts, 1, MaxAttempts, "MaxAttemptsInvalid", Fail);
        bool spot = Boolean("GridSpot", properties.Spot, GridDefaults.Spot, Fail);
        bool onDemandFallback = Boolean("GridOnDemandFallback", properties.OnDemandFallback, GridDefaults.OnDemandFallback, Fail);

        decimal? maxSpotPrice = null;
        string priceText = properties.MaxSpotPrice.Trim();
        if (priceText.Length > 0)
        {
            if (TryDecimal(priceText, out decimal price) && price > 0)
            {
                maxSpotPrice = price;
                if (!spot)
                {
                    Fail("MaxSpotPriceWithoutSpot", priceText);
                }
            }
            else
            {
                Fail("MaxSpotPriceInvalid", priceText);
            }
        }

        string? region = Optional(properties.Region);
        if (region is not null && !RegionPattern().IsMatch(region))
        {
            Fail("RegionInvalid", region);
        }

        string repository = properties.Repository.Trim();
        if (repository.Length is < MinRepositoryLength or > MaxRepositoryLength || !RepositoryPattern().IsMatch(repository))
        {
            Fail("RepositoryInvalid", repository);
        }

        int? timeout = null;
        string timeoutText = properties.TaskTimeout.Trim();
        if (timeoutText.Length > 0)
        {
            timeout = DurationSeconds(timeoutText);
            if (timeout is null or < 1 or > MaxTaskTimeoutSeconds)
            {
                Fail("TaskTimeoutInvalid", timeoutText);
            }
        }

        string baseImage = Optional(properties.BaseImage) ?? GridDefaults.BaseImage;
        if (!ImageReferencePattern().IsMatch(baseImage))
        {
            Fail("BaseImageInvalid", baseImage);
        }

        string? registry = Optional(properties.Registry);
        if (registry is not null && !RegistryPattern().IsMatch(registry))
        {
            Fail("RegistryInvalid", registry);
        }

        string tag = Optional(properties.ImageTag) ?? GridDefaults.ImageTag;
        if (!TagPattern().IsMatch(tag))
        {
            Fail("ImageTagInvalid", tag);
        }

        var (architecture, runtimeIdentifier) = Platform(properties, Fail);

        var instanceTypes = new List<string>();
        bool checkArchitecture = !properties.EnableArchitectureCheck.Trim().Equals("false", StringComparison.OrdinalIgnoreCase);
        foreach (string entry in properties.InstanceTypes.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string name = entry.ToLowerInvariant();
            string? runs = InstanceType.ArchitectureOf(name);
            if (runs is null)
            {
                Fail("InstanceTypeInvalid", entry);
            }
            else if (checkArchitecture && architecture is not null && runs != architecture)
            {
                // Before any image is built: a fleet of the wrong architecture would start workers that cannot run it.
                Fail("InstanceTypeArchitecture", name, runs, architecture);
            }

            if (!instanceTypes.Contains(name))
            {
                instanceTypes.Add(name);
            }
        }

        if (diagnostics.Count > before || architecture is null || runtimeIdentifier is null)
        {
            return null;
        }

        return new GridSettings
        {
            Workers = workers,
            SlotsPerWorker = slots,
            Cpu = cpu,
            MemoryMiB = memory,
            Gpu = gpu,
            InstanceTypes = instanceTypes,
            Spot = spot,
            MaxSpotPrice = maxSpotPrice,
            OnDemandFallback = onDemandFallback,
            Region = region,
            Repository = repository,
            TaskTimeoutSeconds = timeout,
            MaxAttempts = maxAttempts,
            BaseImage = baseImage,
            Architecture = architecture,
            ContainerRuntimeIdentifier = runtimeIdentifier,
            Registry = registry,
            ImageTag = tag,
        };
    }

    /// <summary>The architecture of a linux RID (linux-x64, linux-musl-arm64, ...); null for any other RID.</summary>
    public static string? ArchitectureOfRuntimeIdentifier(string rid) => rid.ToLowerInvariant() switch
    {
        "linux-x64" or "linux-musl-x64" => GridArchitectures.Amd64,
        "linux-arm64" or "linux-musl-arm64" => GridArchitectures.Arm64,
        _ => null,
    };

    /// <summary>The RID an architecture builds for when the project names none.</summary>
    public static string RuntimeIdentifierOf(string architecture) =>
        architecture == GridArchitectures.Arm64 ? "linux-arm64" : "linux-x64";

    // GridArchitecture and the project's RID must describe one platform; either alone decides it, neither means amd64.
    private static (string? Architecture, string? RuntimeIdentifier) Platform(GridProperties properties, Action<string, object?[]> fail)
    {
        string? architecture = Optional(properties.Architecture)?.ToLowerInvariant();
        if (architecture is not null and not (GridArchitectures.Amd64 or GridArchitectures.Arm64))
        {
            fail("ArchitectureInvalid", [properties.Architecture.Trim()]);
            return (null, null);
        }

        string? ridProperty = null;
        string? rid = Optional(properties.ContainerRuntimeIdentifier);
        if (rid is not null)
        {
            ridProperty = "ContainerRuntimeIdentifier";
        }
        else if ((rid = Optional(properties.RuntimeIdentifier)) is not null)
        {
            ridProperty = "RuntimeIdentifier";
        }

        if (rid is null)
        {
            architecture ??= GridDefaults.Architecture;
            return (architecture, RuntimeIdentifierOf(architecture));
        }

        string? ridArchitecture = ArchitectureOfRuntimeIdentifier(rid);
        if (ridArchitecture is null)
        {
            fail("RuntimeIdentifierInvalid", [ridProperty, rid]);
            return (null, null);
        }

        if (architecture is not null && architecture != ridArchitecture)
        {
            fail("RuntimeIdentifierConflict", [architecture, ridProperty, rid, ridArchitecture]);
            return (null, null);
        }

        return (ridArchitecture, rid);
    }

    private static int WholeNumber(string text, int empty, int min, int max, string message, Action<string, object?[]> fail)
    {
        string value = text.Trim();
        if (value.Length == 0)
        {
            return empty;
        }

        if (WholeNumberPattern().IsMatch(value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number >= min && number <= max)
        {
            return number;
        }

        fail(message, [value]);
        return empty;
    }

    private static bool Boolean(string name, string text, bool empty, Action<string, object?[]> fail)
    {
        string value = text.Trim();
        if (value.Length == 0)
        {
            return empty;
        }

        if (bool.TryParse(value, out bool result))
        {
            return result;
        }

        fail("BooleanInvalid", [name, value]);
        return empty;
    }

    private static bool TryDecimal(string text, out decimal value)
    {
        value = 0;
        return DecimalPattern().IsMatch(text) && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    // 90, 90s, 15m, 2h, 1d: whole numbers with one optional unit.
    private static int? DurationSeconds(string text)
    {
        var match = DurationPattern().Match(text);
        if (!match.Success || !long.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            return null;
        }

        long seconds = match.Groups["unit"].Value switch
        {
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86400,
            _ => n,
        };
        return seconds > int.MaxValue ? int.MaxValue : (int)seconds;
    }

    private static string? Optional(string text)
    {
        string value = text.Trim();
        return value.Length == 0 ? null : value;
    }

    [GeneratedRegex("^[0-9]{1,9}$", RegexOptions.CultureInvariant)]
    private static partial Regex WholeNumberPattern();

    [GeneratedRegex("^[0-9]{1,9}(?:\\.[0-9]{1,6})?$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalPattern();

    [GeneratedRegex("^(?<n>[0-9]{1,9})(?<unit>[smhd]?)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    // ECR's rule for repository names: lowercase components joined by single separators, '/' between path parts.
    [GeneratedRegex("^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();

    // us-east-1, eu-central-2, us-gov-west-1, cn-north-1, us-isob-east-1.
    [GeneratedRegex("^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();

    // A host name or IPv4 address with an optional port: no scheme, no path.
    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex RegistryPattern();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    // [host[:port]/]path[:tag][@sha256:hex], the distribution reference grammar (lowercase path components).
    [GeneratedRegex("^(?:[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]{1,5})?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex ImageReferencePattern();
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Manifest;

/// <summary>
/// grid.json, as written by Grid.Sdk's PublishGrid (docs/manifest.md). Read strictly: a field this tool does
/// not know, a missing field, or a manifest from a newer SDK is an error before anything starts, never a guess.
/// </summary>
public sealed record GridManifest
{
    public const int SchemaVersion = 1;

    [JsonPropertyName("schemaVersion")]
    public required int Schema { get; init; }

    public required string SdkVersion { get; init; }

    public required JobSection Job { get; init; }

    public required ImageSection Image { get; init; }

    public required ResourcesSection Resources { get; init; }

    public required WorkersSection Workers { get; init; }

    public required SpotSection Spot { get; init; }

    public required string? Region { get; init; }

    public required RetriesSection Retries { get; init; }

    public required TimeoutsSection Timeouts { get; init; }

    /// <summary>The folder holding grid.json: image.archive is relative to it.</summary>
    [JsonIgnore]
    public string Directory { get; init; } = "";

    /// <summary>The image archive's full path, when the image was not pushed.</summary>
    [JsonIgnore]
    public string? ArchivePath => Image.Archive is { } archive ? Path.GetFullPath(archive, Directory) : null;

    public static GridManifest Read(string path, string toolVersion)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GridException(ErrorCodes.ManifestMissing, $"the manifest '{path}' cannot be read: {e.Message}. Publish the job with `dotnet publish -p:PublishGrid=true`.");
        }

        GridManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(text, ManifestJson.Default.GridManifest);
        }
        catch (JsonException e)
        {
            throw new GridException(ErrorCodes.ManifestInvalid, $"{path}: {Describe(e)} Republish the job with the Grid.Sdk of this tool; do not edit grid.json by hand.");
        }

        if (manifest is null)
        {
            throw new GridException(ErrorCodes.ManifestInvalid, $"{path}: the manifest is empty.");
        }

        if (manifest.Schema != SchemaVersion)
        {
            throw new GridException(ErrorCodes.ManifestNewer, $"{path}: manifest schema version {manifest.Schema} is not one this tool reads (it reads {SchemaVersion}). Update the tool (dotnet tool update Grid.Tool) to the Grid.Sdk version that wrote it ({manifest.SdkVersion}).");
        }

        if (IsNewer(manifest.SdkVersion, toolVersion))
        {
            throw new GridException(ErrorCodes.ManifestNewer, $"{path}: the manifest was written by Grid.Sdk {manifest.SdkVersion}, newer than this tool ({toolVersion}). Update the tool to {manifest.SdkVersion} or later.");
        }

        if (manifest.Image.Archive is null && manifest.Image.Reference is null)
        {
            throw new GridException(ErrorCodes.ManifestInvalid, $"{path}: the manifest names neither an image archive nor a pushed image reference.");
        }

        return manifest with { Directory = Path.GetDirectoryName(Path.GetFullPath(path))! };
    }

    /// <summary>Compares the numeric parts of two versions (0.1.0-dev is 0.1.0): prerelease builds of one version read each other's manifests.</summary>
    internal static bool IsNewer(string manifestVersion, string toolVersion) =>
        Version.TryParse(manifestVersion.Split('-', '+')[0], out var manifest)
        && Version.TryParse(toolVersion.Split('-', '+')[0], out var tool)
        && manifest > tool;

    private static string Describe(JsonException e)
    {
        string where = e.Path is { Length: > 0 } p ? $" at {p}" : "";
        return e.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? $"the manifest has a field this tool does not know{where}."
            : e.Message.Contains("missing required properties", StringComparison.Ordinal)
                ? $"the manifest lacks required fields: {e.Message[(e.Message.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()}"
                : $"the manifest is not valid{where}: {e.Message}";
    }

    public sealed record JobSection(string Name, string Assembly);

    public sealed record ImageSection
    {
        public required string Repository { get; init; }

        public required string Tag { get; init; }

        public required string Digest { get; init; }

        public required string? Reference { get; init; }

        public required string? Archive { get; init; }

        public string? MediaType { get; init; }

        public required string Os { get; init; }

        public required string Architecture { get; init; }

        public required IReadOnlyList<string> Entrypoint { get; init; }

        public IReadOnlyList<string> Cmd { get; init; } = [];

        public string? WorkingDirectory { get; init; }

        public string? User { get; init; }

        public string? BaseImage { get; init; }

        public IReadOnlyList<string> Layers { get; init; } = [];
    }

    public sealed record ResourcesSection(double Cpu, int MemoryMiB, int Gpu);

    public sealed record WorkersSection(int Count, int SlotsPerWorker);

    public sealed record SpotSection(bool Enabled, double? MaxPrice, bool OnDemandFallback, IReadOnlyList<string> InstanceTypes);

    public sealed record RetriesSection(int MaxAttempts);

    public sealed record TimeoutsSection(int? TaskSeconds);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(GridManifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;

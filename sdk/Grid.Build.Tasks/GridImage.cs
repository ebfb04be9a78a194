using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Grid.Build.Tasks;

/// <summary>
/// What the .NET SDK's container support built, as grid.json describes it: where the image went, its manifest digest
/// (the one a registry and skopeo report), and the facts of its config. Kept between builds in the image record
/// (obj/.../grid/image.json), so that a publish that skips the unchanged image step still writes the same manifest.
/// </summary>
internal sealed record GridImage
{
    public required string Repository { get; init; }
    public required string Tag { get; init; }

    /// <summary>sha256:… of the manifest bytes.</summary>
    public required string Digest { get; init; }
    public required string MediaType { get; init; }

    /// <summary>The registry pushed to; null when the image went to an archive.</summary>
    public string? Registry { get; init; }

    /// <summary>The archive's full path; null when the image was pushed.</summary>
    public string? Archive { get; init; }
    public required string BaseImage { get; init; }
    public required string Os { get; init; }
    public required string Architecture { get; init; }
    public required IReadOnlyList<string> Entrypoint { get; init; }
    public required IReadOnlyList<string> Cmd { get; init; }
    public string? WorkingDirectory { get; init; }
    public string? User { get; init; }

    /// <summary>Layer digests, base image first.</summary>
    public required IReadOnlyList<string> Layers { get; init; }

    /// <summary>REGISTRY/REPOSITORY@DIGEST, or null when nothing was pushed.</summary>
    public string? Reference => Registry is null ? null : $"{Registry}/{Repository}@{Digest}";

    private static readonly JsonSerializerOptions RecordOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    };

    public static string DigestOf(string manifest) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest)));

    /// <summary>Reads the image config's platform and execution facts, and the manifest's layers.</summary>
    /// <exception cref="JsonException">The manifest or config is not the JSON an OCI or Docker image has.</exception>
    public static GridImage FromContainer(string manifest, string configuration, string digest, string mediaType, string repository, string tag, string? registry, string? archive, string baseImage)
    {
        var config = JsonNode.Parse(configuration) as JsonObject ?? throw new JsonException("the image config is not a JSON object");
        var layers = (JsonNode.Parse(manifest)?["layers"] as JsonArray ?? throw new JsonException("the image manifest has no layers"))
            .Select(layer => (string?)layer?["digest"] ?? throw new JsonException("a layer has no digest"))
            .ToList();
        var execution = config["config"] as JsonObject;
        return new GridImage
        {
            Repository = repository,
            Tag = tag,
            Digest = digest,
            MediaType = mediaType,
            Registry = registry,
            Archive = archive,
            BaseImage = baseImage,
            Os = (string?)config["os"] ?? throw new JsonException("the image config has no os"),
            Architecture = (string?)config["architecture"] ?? throw new JsonException("the image config has no architecture"),
            Entrypoint = Strings(execution?[OciConfig.Entrypoint]),
            Cmd = Strings(execution?[OciConfig.Cmd]),
            WorkingDirectory = NullIfEmpty((string?)execution?[OciConfig.WorkingDir]),
            User = NullIfEmpty((string?)execution?[OciConfig.User]),
            Layers = layers,
        };

        static IReadOnlyList<string> Strings(JsonNode? node) =>
            node is JsonArray array ? array.Select(n => (string?)n ?? "").ToList() : [];

        static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>Field names of the OCI image config's <c>config</c> object.</summary>
    private static class OciConfig
    {
        public const string Entrypoint = "Entrypoint";
        public const string Cmd = "Cmd";
        public const string WorkingDir = "WorkingDir";
        public const string User = "User";
    }

    public byte[] ToRecord() => JsonSerializer.SerializeToUtf8Bytes(this, RecordOptions);

    /// <exception cref="JsonException">Not a record this version wrote.</exception>
    public static GridImage FromRecord(byte[] record) =>
        JsonSerializer.Deserialize<GridImage>(record, RecordOptions) ?? throw new JsonException("the record is empty");
}

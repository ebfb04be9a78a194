using System.Globalization;
using System.Text.Json;
using Microsoft.Build.Framework;

namespace Grid.Build.Tasks;

/// <summary>
/// Rewrites the OCI archive the .NET SDK's container step wrote so that the same published files give the same
/// image, digest for digest (see <see cref="ReproducibleImage"/>), and reports the new digest, manifest and config
/// in the SDK's terms for <see cref="RecordGridImage"/>. The time written into the image is
/// <see cref="SourceDateEpoch"/> (GRID1023 when it is not a count of seconds).
/// </summary>
public sealed class ReproduceGridImage : Microsoft.Build.Utilities.Task
{
    public ReproduceGridImage()
        : base(Strings.ResourceManager)
    {
    }

    /// <summary>The archive to rewrite in place: an OCI image layout tar with one manifest.</summary>
    [Required]
    public string ArchivePath { get; set; } = "";

    /// <summary>Seconds since 1970-01-01 UTC: the image's creation time and every app-layer entry's time.</summary>
    [Required]
    public string SourceDateEpoch { get; set; } = "";

    [Output]
    public string ContainerDigest { get; private set; } = "";

    [Output]
    public string ContainerManifest { get; private set; } = "";

    [Output]
    public string ContainerConfiguration { get; private set; } = "";

    [Output]
    public string ContainerMediaType { get; private set; } = "";

    public override bool Execute()
    {
        if (!long.TryParse(SourceDateEpoch.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds() / 2)
        {
            Log.LogErrorWithCodeFromResources("SourceDateEpochInvalid", SourceDateEpoch);
            return false;
        }

        try
        {
            var image = ReproducibleImage.Rewrite(ArchivePath, ArchivePath, DateTimeOffset.FromUnixTimeSeconds(seconds));
            ContainerDigest = image.Digest;
            ContainerManifest = image.Manifest;
            ContainerConfiguration = image.Configuration;
            ContainerMediaType = image.MediaType;
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or InvalidOperationException or NullReferenceException or UnauthorizedAccessException)
        {
            Log.LogErrorWithCodeFromResources("ImageArchiveUnreadable", ArchivePath, e.Message);
            return false;
        }
    }
}

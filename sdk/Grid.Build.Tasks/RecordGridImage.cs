using System.Text.Json;
using Microsoft.Build.Framework;

namespace Grid.Build.Tasks;

/// <summary>
/// Reads what the .NET SDK's container step reported (GeneratedContainerDigest, GeneratedContainerManifest,
/// GeneratedContainerConfiguration, GeneratedContainerMediaType), checks it (GRID2001–GRID2003), and keeps it in the
/// image record that <see cref="WriteGridManifest"/> reads. The record is rewritten only when its content changes.
/// </summary>
public sealed class RecordGridImage : Microsoft.Build.Utilities.Task
{
    public RecordGridImage()
        : base(Strings.ResourceManager)
    {
    }

    public string ContainerDigest { get; set; } = "";
    public string ContainerManifest { get; set; } = "";
    public string ContainerConfiguration { get; set; } = "";
    public string ContainerMediaType { get; set; } = "";

    /// <summary>GeneratedArchiveOutputPath: the archive written, empty when the image was pushed.</summary>
    public string ArchivePath { get; set; } = "";

    /// <summary>The registry pushed to; empty for an archive.</summary>
    public string Registry { get; set; } = "";

    [Required]
    public string Repository { get; set; } = "";

    [Required]
    public string Tag { get; set; } = "";

    [Required]
    public string BaseImage { get; set; } = "";

    /// <summary>The architecture the image must have: amd64 or arm64.</summary>
    [Required]
    public string Architecture { get; set; } = "";

    [Required]
    public string RecordFile { get; set; } = "";

    [Output]
    public string Digest { get; private set; } = "";

    public override bool Execute()
    {
        foreach (var (name, value) in new[]
        {
            ("GeneratedContainerDigest", ContainerDigest),
            ("GeneratedContainerManifest", ContainerManifest),
            ("GeneratedContainerConfiguration", ContainerConfiguration),
        })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Log.LogErrorWithCodeFromResources("ImageNotProduced", name);
                return false;
            }
        }

        // The digest grid.json records must be the one a registry serves: the SHA-256 of these very manifest bytes.
        string computed = GridImage.DigestOf(ContainerManifest);
        if (!string.Equals(computed, ContainerDigest, StringComparison.Ordinal))
        {
            Log.LogErrorWithCodeFromResources("ImageDigestMismatch", computed, ContainerDigest);
            return false;
        }

        GridImage image;
        try
        {
            image = GridImage.FromContainer(
                ContainerManifest,
                ContainerConfiguration,
                ContainerDigest,
                ContainerMediaType,
                Repository,
                Tag,
                string.IsNullOrWhiteSpace(Registry) ? null : Registry.Trim(),
                string.IsNullOrWhiteSpace(ArchivePath) ? null : Path.GetFullPath(ArchivePath),
                BaseImage);
        }
        catch (JsonException e)
        {
            Log.LogErrorWithCodeFromResources("ImageNotProduced", "readable image config (" + e.Message + ")");
            return false;
        }

        // A single-platform base of another architecture is layered without complaint by the SDK; workers would then
        // fail with "exec format error", so it is caught here.
        if (image.Os != "linux" || image.Architecture != Architecture)
        {
            Log.LogErrorWithCodeFromResources("ImageArchitectureMismatch", BaseImage, image.Os, image.Architecture, Architecture);
            return false;
        }

        GridJson.WriteIfChanged(RecordFile, image.ToRecord());
        Digest = image.Digest;
        return true;
    }
}

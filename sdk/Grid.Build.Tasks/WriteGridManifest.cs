using System.Text.Json;
using Microsoft.Build.Framework;

namespace Grid.Build.Tasks;

/// <summary>
/// Writes grid.json (docs/manifest.md) from the Grid* properties and the image record. The file is rewritten only
/// when its content changes, so a publish with nothing changed leaves it byte-identical, timestamp included.
/// </summary>
public sealed class WriteGridManifest : GridSettingsTask
{
    public const int SchemaVersion = 1;

    /// <summary>The job's name: the project's AssemblyName.</summary>
    [Required]
    public string JobName { get; set; } = "";

    /// <summary>The job's assembly file name, e.g. TileStats.dll.</summary>
    [Required]
    public string AssemblyFileName { get; set; } = "";

    /// <summary>The Grid.Sdk version; this assembly's version when empty.</summary>
    public string SdkVersion { get; set; } = "";

    /// <summary>The record <see cref="RecordGridImage"/> wrote.</summary>
    [Required]
    public string ImageRecordFile { get; set; } = "";

    /// <summary>Where grid.json goes.</summary>
    [Required]
    public string ManifestFile { get; set; } = "";

    /// <summary>The manifest's full path.</summary>
    [Output]
    public string ManifestFullPath { get; private set; } = "";

    /// <summary>Where the image is, for the build log: its pushed reference, or the archive's path and the digest.</summary>
    [Output]
    public string ImageLocation { get; private set; } = "";

    /// <summary>Whether the file was written (false: it already held this content).</summary>
    [Output]
    public bool Written { get; private set; }

    public override bool Execute()
    {
        var settings = ParseSettings();
        if (settings is null)
        {
            return false;
        }

        string manifestPath = Path.GetFullPath(ManifestFile);
        GridImage image;
        try
        {
            image = GridImage.FromRecord(File.ReadAllBytes(ImageRecordFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            Log.LogErrorWithCodeFromResources("ImageRecordUnreadable", ImageRecordFile, e.Message);
            return false;
        }

        // The record must describe the image these properties ask for; anything else is a stale record.
        if (image.Repository != settings.Repository || image.Tag != settings.ImageTag || image.Registry != settings.Registry
            || image.BaseImage != settings.BaseImage || image.Architecture != settings.Architecture)
        {
            Log.LogErrorWithCodeFromResources("ImageRecordUnreadable", ImageRecordFile,
                $"it describes {image.Repository}:{image.Tag} for {image.Architecture} over {image.BaseImage}, not the image these properties name");
            return false;
        }

        var manifest = new GridManifest(SchemaVersion, Version(), JobName, AssemblyFileName, image, ArchiveRelativeTo(manifestPath, image.Archive), settings);
        try
        {
            Written = GridJson.WriteIfChanged(manifestPath, manifest.ToUtf8());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogErrorWithCodeFromResources("ManifestNotWritten", manifestPath, e.Message);
            return false;
        }

        ManifestFullPath = manifestPath;
        ImageLocation = image.Reference ?? $"{image.Archive}, {image.Digest}";
        return true;
    }

    private string Version()
    {
        if (!string.IsNullOrWhiteSpace(SdkVersion))
        {
            return SdkVersion.Trim();
        }

        // Packed builds pass GridSdkVersion; a build from the repository has only the assembly's own version.
        string? informational = typeof(WriteGridManifest).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>()
            .FirstOrDefault()?.InformationalVersion;
        return informational?.Split('+')[0] ?? "0.0.0";
    }

    // The archive is named relative to grid.json, with '/', so the publish folder can be moved or copied as a whole.
    private static string? ArchiveRelativeTo(string manifestPath, string? archive) =>
        archive is null ? null : Path.GetRelativePath(Path.GetDirectoryName(manifestPath)!, archive).Replace('\\', '/');
}

using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Grid.Build.Tasks;

/// <summary>
/// Rewrites the OCI image archive the .NET SDK's container step wrote so that the same files give the same bytes.
/// The SDK stamps the current time into the image and offers no property to fix it: its app layer's tar entries
/// (System.Formats.Tar's PAX entries take the time they are made and name their extended headers after the process
/// id) and the config's <c>created</c> and last history time. Here the app layer (the manifest's last layer) is
/// written again with its entries sorted by name, every time set to <c>created</c>, GNU headers (no process id) and
/// the same gzip settings; the config gets <c>created</c> and the new diff id; the manifest and index.json follow;
/// and the archive itself is written with sorted entries and fixed times. The base image's layers are copied as
/// they are, so their digests never change.
/// </summary>
internal static class ReproducibleImage
{
    private const string LayoutFile = "oci-layout";
    private const string IndexFile = "index.json";
    private const string BlobFolder = "blobs/sha256/";

    /// <summary>Regular files and folders of the archive: read-only for everyone but the owner, root's.</summary>
    private const UnixFileMode ArchiveFileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public sealed record Result(string Digest, string Manifest, string Configuration, string MediaType);

    /// <summary>The time written into the image: RFC 3339 in UTC, whole seconds, as the base image tools write it.</summary>
    public static string FormatCreated(DateTimeOffset created) =>
        created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads <paramref name="source"/> (an OCI layout tar with one manifest), writes the reproducible image to
    /// <paramref name="destination"/> (may be the same path) and returns its manifest digest, manifest and config.
    /// </summary>
    public static Result Rewrite(string source, string destination, DateTimeOffset created)
    {
        var blobs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        byte[]? index = null;
        using (var archive = File.OpenRead(source))
        using (var reader = new TarReader(archive))
        {
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                {
                    continue;
                }

                string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (name == IndexFile)
                {
                    index = ReadAll(entry.DataStream);
                }
                else if (name.StartsWith(BlobFolder, StringComparison.Ordinal))
                {
                    blobs["sha256:" + name[BlobFolder.Length..]] = ReadAll(entry.DataStream);
                }
            }
        }

        var indexJson = JsonNode.Parse(index ?? throw new InvalidDataException($"{source} has no {IndexFile}: it is not an OCI image layout."))!;
        var manifests = indexJson["manifests"]!.AsArray();
        if (manifests.Count != 1)
        {
            throw new InvalidDataException($"{source} holds {manifests.Count} manifests; one was expected.");
        }

        var manifestJson = JsonNode.Parse(Blob(blobs, (string)manifests[0]!["digest"]!))!;
        var configDescriptor = manifestJson["config"]!;
        var configJson = JsonNode.Parse(Blob(blobs, (string)configDescriptor["digest"]!))!;
        var layers = manifestJson["layers"]!.AsArray();
        var appLayer = layers[^1]!;
        string oldAppLayer = (string)appLayer["digest"]!;

        var (layer, diffId) = RewriteLayer(Blob(blobs, oldAppLayer), created);
        string layerDigest = Digest(layer);
        blobs.Remove(oldAppLayer);
        blobs[layerDigest] = layer;
        appLayer["digest"] = layerDigest;
        appLayer["size"] = layer.LongLength;

        // The SDK's history entry for the app layer is the last one; the base image's entries keep their own times.
        string time = FormatCreated(created);
        configJson["created"] = time;
        if (configJson["history"] is JsonArray { Count: > 0 } history)
        {
            history[^1]!["created"] = time;
        }

        configJson["rootfs"]!["diff_ids"]!.AsArray()[^1] = diffId;
        byte[] config = Encoding.UTF8.GetBytes(configJson.ToJsonString());
        blobs.Remove((string)configDescriptor["digest"]!);
        string configDigest = Digest(config);
        blobs[configDigest] = config;
        configDescriptor["digest"] = configDigest;
        configDescriptor["size"] = config.LongLength;

        blobs.Remove((string)manifests[0]!["digest"]!);
        byte[] manifest = Encoding.UTF8.GetBytes(manifestJson.ToJsonString());
        string manifestDigest = Digest(manifest);
        blobs[manifestDigest] = manifest;
        manifests[0]!["digest"] = manifestDigest;
        manifests[0]!["size"] = manifest.LongLength;

        WriteArchive(destination, Encoding.UTF8.GetBytes(indexJson.ToJsonString()), blobs, created);
        return new Result(
            manifestDigest,
            Encoding.UTF8.GetString(manifest),
            Encoding.UTF8.GetString(config),
            (string?)manifestJson["mediaType"] ?? (string?)manifests[0]!["mediaType"] ?? "");
    }

    /// <summary>The app layer again: entries sorted by name, every time <paramref name="created"/>, GNU headers.</summary>
    internal static (byte[] Layer, string DiffId) RewriteLayer(byte[] gzippedTar, DateTimeOffset created)
    {
        var entries = new List<(GnuTarEntry Entry, byte[]? Data)>();
        using (var input = new GZipStream(new MemoryStream(gzippedTar), CompressionMode.Decompress))
        using (var reader = new TarReader(input))
        {
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                var copy = new GnuTarEntry(entry.EntryType is TarEntryType.V7RegularFile ? TarEntryType.RegularFile : entry.EntryType, entry.Name)
                {
                    Mode = entry.Mode,
                    Uid = entry.Uid,
                    Gid = entry.Gid,
                    ModificationTime = created,
                    AccessTime = created,
                    ChangeTime = created,
                };
                if (entry is PosixTarEntry posix)
                {
                    copy.UserName = posix.UserName;
                    copy.GroupName = posix.GroupName;
                }

                if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
                {
                    copy.LinkName = entry.LinkName;
                }

                entries.Add((copy, entry.DataStream is null ? null : ReadAll(entry.DataStream)));
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Entry.Name, b.Entry.Name));

        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var (entry, data) in entries)
            {
                if (data is not null)
                {
                    entry.DataStream = new MemoryStream(data);
                }

                writer.WriteEntry(entry);
            }
        }

        string diffId = Digest(tar.GetBuffer().AsSpan(0, (int)tar.Length));
        using var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(tar.GetBuffer(), 0, (int)tar.Length);
        }

        return (gzipped.ToArray(), diffId);
    }

    // oci-layout, index.json, then the blobs in digest order; fixed owner, mode and time.
    private static void WriteArchive(string destination, byte[] index, SortedDictionary<string, byte[]> blobs, DateTimeOffset created)
    {
        string temporary = destination + ".tmp";
        using (var file = File.Create(temporary))
        using (var writer = new TarWriter(file, TarEntryFormat.Gnu))
        {
            Write(writer, LayoutFile, Encoding.UTF8.GetBytes("""{"imageLayoutVersion":"1.0.0"}"""), created);
            Write(writer, IndexFile, index, created);
            foreach (var (digest, bytes) in blobs)
            {
                Write(writer, BlobFolder + digest["sha256:".Length..], bytes, created);
            }
        }

        File.Move(temporary, destination, overwrite: true);
    }

    private static void Write(TarWriter writer, string name, byte[] data, DateTimeOffset created)
    {
        var entry = new GnuTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = ArchiveFileMode,
            ModificationTime = created,
            AccessTime = created,
            ChangeTime = created,
            DataStream = new MemoryStream(data),
        };
        writer.WriteEntry(entry);
    }

    private static byte[] Blob(SortedDictionary<string, byte[]> blobs, string digest) =>
        blobs.TryGetValue(digest, out byte[]? blob) ? blob : throw new InvalidDataException($"the archive lacks the blob {digest}.");

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string Digest(ReadOnlySpan<byte> bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
}

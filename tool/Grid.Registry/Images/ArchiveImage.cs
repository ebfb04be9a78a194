using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Grid.Registry.Images;

/// <summary>
/// An image archive, read in place: one pass over the tar records where each file's bytes lie, and each blob is then
/// streamed from its offset, so nothing is extracted. Two layouts are read:
/// <list type="bullet">
/// <item>an OCI image layout (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/…</c>), which the .NET SDK's
/// container support writes and Grid publishes as <c>grid/image.tar</c>: its manifests are pushed byte for byte, so the
/// pushed digest is the published one;</item>
/// <item>a docker-save tar (<c>manifest.json</c> naming a config and layer tars): an OCI manifest is written for it,
/// with the layers as they are (uncompressed, or gzip when they are gzipped).</item>
/// </list>
/// A gzipped archive is unpacked once to a temporary file, which is deleted with this object.
/// </summary>
internal sealed class ArchiveImage : IImageContent
{
    /// <summary>Manifests, configs and index.json are small; anything larger is not one.</summary>
    private const int MaxMetadataBytes = 16 * 1024 * 1024;

    private readonly string _tarPath;
    private readonly string? _temporary;
    private readonly Dictionary<string, Entry> _blobs;

    private ArchiveImage(string name, string tarPath, string? temporary, Dictionary<string, Entry> blobs, Manifest root)
    {
        Name = name;
        _tarPath = tarPath;
        _temporary = temporary;
        _blobs = blobs;
        Root = root;
    }

    public string Name { get; }

    public Manifest Root { get; }

    public static async Task<ArchiveImage> OpenAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            throw Unsupported(path, "the file does not exist. Publish the image with `dotnet publish -p:PublishGrid=true`");
        }

        string? temporary = await GunzipIfCompressedAsync(path, ct);
        try
        {
            string tarPath = temporary ?? path;
            var entries = Index(path, tarPath);
            var blobs = new Dictionary<string, Entry>(StringComparer.Ordinal);
            Manifest root;
            if (entries.TryGetValue("index.json", out var index))
            {
                foreach (var (name, entry) in entries)
                {
                    var parts = name.Split('/');
                    if (parts.Length == 3 && parts[0] == "blobs")
                    {
                        blobs[parts[1] + ":" + parts[2]] = entry;
                    }
                }

                root = await ReadOciRootAsync(path, tarPath, index, blobs, ct);
            }
            else if (entries.TryGetValue("manifest.json", out var dockerManifest))
            {
                root = await ReadDockerSaveAsync(path, tarPath, dockerManifest, entries, blobs, ct);
            }
            else
            {
                throw Unsupported(path, "it has neither index.json (an OCI image layout) nor manifest.json (docker save)");
            }

            return new ArchiveImage(path, tarPath, temporary, blobs, root);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }
    }

    public async Task<Manifest> ReadManifestAsync(Descriptor descriptor, CancellationToken ct)
    {
        byte[] bytes = await ReadAsync(_tarPath, Blob(descriptor.Digest), ct);
        Digests.Verify(bytes, descriptor.Digest, $"The manifest {descriptor.Digest} in {Name}");
        return Manifest.Parse(bytes, descriptor.MediaType, $"The manifest {descriptor.Digest} in {Name}");
    }

    public Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken ct) => Task.FromResult<Stream>(Open(_tarPath, Blob(descriptor.Digest)));

    public void Dispose() => DeleteQuietly(_temporary);

    private Entry Blob(string digest) =>
        _blobs.TryGetValue(digest, out var entry) ? entry : throw Unsupported(Name, $"the blob {digest} that its manifest names is missing");

    private static async Task<Manifest> ReadOciRootAsync(string name, string tarPath, Entry index, Dictionary<string, Entry> blobs, CancellationToken ct)
    {
        byte[] indexBytes = await ReadAsync(tarPath, index, ct);
        var layout = Manifest.Parse(indexBytes, MediaTypes.OciIndex, $"index.json of {name}");
        if (layout.Manifests.Count == 0)
        {
            throw Unsupported(name, "its index.json names no image");
        }

        // One entry (the SDK's single-platform archive): that manifest is the image. Several (a multi-platform
        // publish): index.json itself is the image index.
        if (layout.Manifests.Count > 1)
        {
            return layout;
        }

        var descriptor = layout.Manifests[0];
        if (!blobs.TryGetValue(descriptor.Digest, out var entry))
        {
            throw Unsupported(name, $"the manifest {descriptor.Digest} that index.json names is missing");
        }

        byte[] bytes = await ReadAsync(tarPath, entry, ct);
        Digests.Verify(bytes, descriptor.Digest, $"The manifest {descriptor.Digest} in {name}");
        return Manifest.Parse(bytes, descriptor.MediaType, $"The manifest {descriptor.Digest} in {name}");
    }

    private static async Task<Manifest> ReadDockerSaveAsync(
        string name, string tarPath, Entry manifestEntry, Dictionary<string, Entry> entries, Dictionary<string, Entry> blobs, CancellationToken ct)
    {
        string configPath;
        List<string> layerPaths;
        try
        {
            using var json = JsonDocument.Parse(await ReadAsync(tarPath, manifestEntry, ct));
            if (json.RootElement.ValueKind != JsonValueKind.Array || json.RootElement.GetArrayLength() != 1)
            {
                throw Unsupported(name, "its manifest.json must list exactly one image");
            }

            var image = json.RootElement[0];
            configPath = image.GetProperty("Config").GetString() ?? "";
            layerPaths = [.. image.GetProperty("Layers").EnumerateArray().Select(l => l.GetString() ?? "")];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw Unsupported(name, "its manifest.json is not a docker-save manifest: " + e.Message);
        }

        Entry Find(string path) =>
            entries.TryGetValue(Normalize(path), out var entry) ? entry : throw Unsupported(name, $"'{path}', which manifest.json names, is missing");

        var configEntry = Find(configPath);
        byte[] config = await ReadAsync(tarPath, configEntry, ct);
        var configDescriptor = new Descriptor(MediaTypes.OciConfig, Digests.Of(config), config.Length);
        blobs[configDescriptor.Digest] = configEntry;

        var layers = new List<Descriptor>();
        foreach (string layerPath in layerPaths)
        {
            var entry = Find(layerPath);
            string digest;
            bool gzip;
            await using (var stream = Open(tarPath, entry))
            {
                (digest, _) = await Digests.OfAsync(stream, ct);
            }

            await using (var stream = Open(tarPath, entry))
            {
                gzip = stream.ReadByte() == 0x1f && stream.ReadByte() == 0x8b;
            }

            layers.Add(new Descriptor(gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer, digest, entry.Length));
            blobs[digest] = entry;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion", 2);
            writer.WriteString("mediaType", MediaTypes.OciManifest);
            writer.WritePropertyName("config");
            WriteDescriptor(writer, configDescriptor);
            writer.WriteStartArray("layers");
            foreach (var layer in layers)
            {
                WriteDescriptor(writer, layer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Manifest.Parse(buffer.ToArray(), MediaTypes.OciManifest, $"The manifest made for {name}");
    }

    private static void WriteDescriptor(Utf8JsonWriter writer, Descriptor descriptor)
    {
        writer.WriteStartObject();
        writer.WriteString("mediaType", descriptor.MediaType);
        writer.WriteString("digest", descriptor.Digest);
        writer.WriteNumber("size", descriptor.Size);
        writer.WriteEndObject();
    }

    // Where each regular file's bytes are, by its normalized name; symbolic and hard links (docker save links a
    // layer shared by two images) resolve to their target's bytes.
    private static Dictionary<string, Entry> Index(string name, string tarPath)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var links = new List<(string Name, string Target)>();
        try
        {
            using var file = File.OpenRead(tarPath);
            using var reader = new TarReader(file);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                string entryName = Normalize(entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        entries[entryName] = new Entry(entry.DataOffset, entry.Length);
                        break;
                    case TarEntryType.SymbolicLink:
                        links.Add((entryName, Normalize(Path.Combine(Path.GetDirectoryName(entryName) ?? "", entry.LinkName))));
                        break;
                    case TarEntryType.HardLink:
                        links.Add((entryName, Normalize(entry.LinkName)));
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
        {
            throw Unsupported(name, "it is not a tar archive: " + e.Message);
        }

        foreach (var (linkName, target) in links)
        {
            if (entries.TryGetValue(target, out var entry))
            {
                entries[linkName] = entry;
            }
        }

        return entries;
    }

    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Replace('\\', '/').Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    private static async Task<string?> GunzipIfCompressedAsync(string path, CancellationToken ct)
    {
        await using (var probe = File.OpenRead(path))
        {
            if (probe.ReadByte() != 0x1f || probe.ReadByte() != 0x8b)
            {
                return null;
            }
        }

        string temporary = Path.Combine(Path.GetTempPath(), $"grid-image-{Guid.NewGuid():N}.tar");
        try
        {
            await using var source = File.OpenRead(path);
            await using var gunzip = new GZipStream(source, CompressionMode.Decompress);
            await using var target = File.Create(temporary);
            await gunzip.CopyToAsync(target, ct);
            return temporary;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            DeleteQuietly(temporary);
            throw Unsupported(path, "it is gzipped but does not unpack: " + e.Message);
        }
    }

    private static BoundedReadStream Open(string tarPath, Entry entry)
    {
        var file = new FileStream(tarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        file.Position = entry.Offset;
        return new BoundedReadStream(file, entry.Length);
    }

    private static async Task<byte[]> ReadAsync(string tarPath, Entry entry, CancellationToken ct)
    {
        if (entry.Length > MaxMetadataBytes)
        {
            throw Unsupported(tarPath, $"a manifest or config of {entry.Length} bytes is over the {MaxMetadataBytes}-byte limit");
        }

        byte[] bytes = new byte[entry.Length];
        await using var stream = Open(tarPath, entry);
        await stream.ReadExactlyAsync(bytes, ct);
        return bytes;
    }

    private static void DeleteQuietly(string? path)
    {
        if (path is null)
        {
            return;
        }

        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static RegistryException Unsupported(string path, string why) =>
        new(RegistryErrorCodes.UnsupportedArchive, $"The image archive '{path}' cannot be pushed: {why}.");

    private readonly record struct Entry(long Offset, long Length);
}

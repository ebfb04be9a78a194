using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Grid.Registry.Tests;

/// <summary>
/// A small image made in the test, written as an OCI image layout tar like the one the .NET SDK writes: each layer
/// an uncompressed tar holding one file of random bytes, a config whose diff_ids name the layers, a manifest, and
/// index.json naming the manifest. Random content per image, so no registry already holds its blobs.
/// </summary>
public sealed class TestImage
{
    private TestImage(string archivePath, string manifestDigest, byte[] manifest, IReadOnlyList<long> layerSizes, long configSize)
    {
        ArchivePath = archivePath;
        ManifestDigest = manifestDigest;
        Manifest = manifest;
        LayerSizes = layerSizes;
        ConfigSize = configSize;
    }

    public string ArchivePath { get; }

    public string ManifestDigest { get; }

    public byte[] Manifest { get; }

    /// <summary>Sizes of the layer blobs (tars), in manifest order.</summary>
    public IReadOnlyList<long> LayerSizes { get; }

    public long ConfigSize { get; }

    public long BlobBytes => LayerSizes.Sum() + ConfigSize;

    public int BlobCount => LayerSizes.Count + 1;

    /// <summary>Writes an OCI layout tar with one layer per entry of <paramref name="fileSizes"/> (the size of the file in it).</summary>
    public static TestImage WriteOciArchive(string path, params int[] fileSizes)
    {
        var layers = fileSizes.Select((size, i) => LayerTar($"data/file{i}.bin", RandomNumberGenerator.GetBytes(size))).ToList();
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject { ["Env"] = new JsonArray("PATH=/usr/bin") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray([.. layers.Select(l => (JsonNode)Digest(l))]) },
        }.ToJsonString());
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)Descriptor("application/vnd.oci.image.layer.v1.tar", l))]),
        }.ToJsonString());
        var index = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(Descriptor("application/vnd.oci.image.manifest.v1+json", manifest, new JsonObject { ["org.opencontainers.image.ref.name"] = "latest" })),
        }.ToJsonString());

        using (var file = File.Create(path))
        using (var tar = new TarWriter(file, TarEntryFormat.Pax))
        {
            Add(tar, "oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"));
            Add(tar, "index.json", index);
            foreach (var blob in layers.Append(config).Append(manifest))
            {
                Add(tar, "blobs/sha256/" + Digest(blob)["sha256:".Length..], blob);
            }
        }

        return new TestImage(path, Digest(manifest), manifest, [.. layers.Select(l => (long)l.Length)], config.Length);
    }

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static JsonObject Descriptor(string mediaType, byte[] bytes, JsonObject? annotations = null)
    {
        var descriptor = new JsonObject { ["mediaType"] = mediaType, ["digest"] = Digest(bytes), ["size"] = bytes.Length };
        if (annotations is not null)
        {
            descriptor["annotations"] = annotations;
        }

        return descriptor;
    }

    private static byte[] LayerTar(string name, byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Pax))
        {
            Add(tar, name, content);
        }

        return buffer.ToArray();
    }

    private static void Add(TarWriter tar, string name, byte[] content)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(content),
            ModificationTime = DateTimeOffset.UnixEpoch,
        };
        tar.WriteEntry(entry);
    }
}

using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Grid.Build.Tasks.Tests;

/// <summary>
/// ReproduceGridImage over archives shaped like the .NET SDK's: an OCI layout tar whose app layer has PAX entries
/// stamped with the time they were made (and a PAX header name holding the process id), and a config stamped with it.
/// </summary>
public sealed class ReproduceGridImageTests : IDisposable
{
    private static readonly byte[] BaseLayer = Gzip(Tar(TarEntryFormat.Gnu, [("usr/bin/dotnet", "host")], DateTimeOffset.UnixEpoch));

    private readonly TempDirectory _temp = new();
    private readonly FakeBuildEngine _engine = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ArchivesOfTheSameFilesMadeAtDifferentTimesAndInAnotherOrderBecomeIdentical()
    {
        (string, string)[] files = [("app/Job.dll", "code"), ("app/Job.deps.json", "{}"), ("app/runtimes/linux-x64/native/libx.so", "native")];
        string first = SdkArchive("first.tar", files, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        string second = SdkArchive("second.tar", [.. files.Reverse()], new DateTimeOffset(2027, 6, 7, 8, 9, 10, TimeSpan.Zero));

        var one = Reproduce(first, "0");
        var two = Reproduce(second, "0");

        Assert.Equal(one.ContainerDigest, two.ContainerDigest);
        Assert.Equal(one.ContainerManifest, two.ContainerManifest);
        Assert.Equal(one.ContainerConfiguration, two.ContainerConfiguration);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(SampleImage.DigestOf(one.ContainerManifest), one.ContainerDigest);
    }

    [Fact]
    public void TheBaseLayerIsKeptAndTheAppLayerHoldsTheSameFilesSortedAtTheEpoch()
    {
        string archive = SdkArchive("image.tar", [("app/b.txt", "b"), ("app/a.txt", "a")], DateTimeOffset.UtcNow);

        var task = Reproduce(archive, "1700000000");

        var manifest = JsonNode.Parse(task.ContainerManifest)!;
        var layers = manifest["layers"]!.AsArray();
        Assert.Equal(Digest(BaseLayer), (string?)layers[0]!["digest"]);
        var blobs = ReadArchive(archive);
        var names = ArchiveNames(archive);
        Assert.Equal(["oci-layout", "index.json", .. names.Where(n => n.StartsWith("blobs/sha256/", StringComparison.Ordinal)).Order(StringComparer.Ordinal)], names);
        Assert.Equal(4 + 2, names.Count);

        byte[] appLayer = blobs["blobs/sha256/" + ((string)layers[1]!["digest"]!)[7..]];
        Assert.Equal((long)layers[1]!["size"]!, appLayer.LongLength);
        var entries = ReadLayer(appLayer);
        Assert.Equal(["app", "app/a.txt", "app/b.txt"], entries.Select(e => e.Name.TrimEnd('/')));
        Assert.All(entries, e => Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), e.Time));
        Assert.Equal("a", entries[1].Content);

        var config = JsonNode.Parse(task.ContainerConfiguration)!;
        Assert.Equal("2023-11-14T22:13:20Z", (string?)config["created"]);
        Assert.Equal("1970-01-01T00:00:00Z", (string?)config["history"]![0]!["created"]);
        Assert.Equal("2023-11-14T22:13:20Z", (string?)config["history"]![1]!["created"]);
        Assert.Equal(Digest(Gunzip(appLayer)), (string?)config["rootfs"]!["diff_ids"]![1]);
        Assert.Equal(Digest(Encoding.UTF8.GetBytes(task.ContainerConfiguration)), (string?)manifest["config"]!["digest"]);

        var index = JsonNode.Parse(blobs["index.json"])!;
        Assert.Equal(task.ContainerDigest, (string?)index["manifests"]![0]!["digest"]);
        Assert.Equal("latest", (string?)index["manifests"]![0]!["annotations"]!["org.opencontainers.image.ref.name"]);
    }

    [Fact]
    public void AnotherSourceDateEpochGivesAnotherImage()
    {
        (string, string)[] files = [("app/Job.dll", "code")];
        var zero = Reproduce(SdkArchive("zero.tar", files, DateTimeOffset.UtcNow), "0");
        var later = Reproduce(SdkArchive("later.tar", files, DateTimeOffset.UtcNow), "86400");

        Assert.NotEqual(zero.ContainerDigest, later.ContainerDigest);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("-1")]
    [InlineData("1.5")]
    public void ASourceDateEpochThatIsNotSecondsFailsWithGrid1023(string value)
    {
        string archive = SdkArchive("image.tar", [("app/Job.dll", "code")], DateTimeOffset.UtcNow);
        var task = new ReproduceGridImage { BuildEngine = _engine, ArchivePath = archive, SourceDateEpoch = value };

        Assert.False(task.Execute());
        Assert.Equal(["GRID1023"], _engine.ErrorCodes);
    }

    [Fact]
    public void AnArchiveThatIsNotAnImageLayoutFailsWithGrid2004()
    {
        string archive = _temp["not-an-image.tar"];
        File.WriteAllBytes(archive, Tar(TarEntryFormat.Pax, [("hello.txt", "hello")], DateTimeOffset.UtcNow));
        var task = new ReproduceGridImage { BuildEngine = _engine, ArchivePath = archive, SourceDateEpoch = "0" };

        Assert.False(task.Execute());
        Assert.Equal(["GRID2004"], _engine.ErrorCodes);
    }

    private ReproduceGridImage Reproduce(string archive, string sourceDateEpoch)
    {
        var task = new ReproduceGridImage { BuildEngine = _engine, ArchivePath = archive, SourceDateEpoch = sourceDateEpoch };
        Assert.True(task.Execute(), string.Join("\n", _engine.ErrorLines));
        return task;
    }

    // An archive as the SDK writes it: base layer, an app layer of PAX entries stamped with `now`, a config whose
    // created and last history times are `now`, a manifest, index.json and oci-layout.
    private string SdkArchive(string name, (string Path, string Content)[] files, DateTimeOffset now)
    {
        byte[] appLayer = Gzip(Tar(TarEntryFormat.Pax, [("app", null), .. files], now));
        string time = now.UtcDateTime.ToString("O");
        byte[] config = Encoding.UTF8.GetBytes($$"""{"config":{"Entrypoint":["dotnet","/app/Job.dll"]},"created":"{{time}}","rootfs":{"type":"layers","diff_ids":["{{Digest(Gunzip(BaseLayer))}}","{{Digest(Gunzip(appLayer))}}"]},"architecture":"amd64","os":"linux","history":[{"created":"1970-01-01T00:00:00Z","created_by":"base"},{"author":".NET SDK","created":"{{time}}","created_by":"container tooling"}]}""");
        byte[] manifest = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1\u002Bjson","config":{"mediaType":"application/vnd.oci.image.config.v1\u002Bjson","size":{{config.Length}},"digest":"{{Digest(config)}}"},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar\u002Bgzip","size":{{BaseLayer.Length}},"digest":"{{Digest(BaseLayer)}}"},{"mediaType":"application/vnd.oci.image.layer.v1.tar\u002Bgzip","size":{{appLayer.Length}},"digest":"{{Digest(appLayer)}}"}]}""");
        byte[] index = Encoding.UTF8.GetBytes($$$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":{{{manifest.Length}}},"digest":"{{{Digest(manifest)}}}","platform":{},"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}""");

        string path = _temp[name];
        using var file = File.Create(path);
        using var writer = new TarWriter(file, TarEntryFormat.Pax);
        foreach (var (entryName, data) in new[]
        {
            ("blobs/sha256/" + Digest(BaseLayer)[7..], BaseLayer),
            ("blobs/sha256/" + Digest(appLayer)[7..], appLayer),
            ("blobs/sha256/" + Digest(config)[7..], config),
            ("blobs/sha256/" + Digest(manifest)[7..], manifest),
            ("index.json", index),
            ("oci-layout", Encoding.UTF8.GetBytes("""{"imageLayoutVersion":"1.0.0"}""")),
        })
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entryName) { DataStream = new MemoryStream(data), ModificationTime = now });
        }

        return path;
    }

    private static byte[] Tar(TarEntryFormat format, (string Path, string? Content)[] files, DateTimeOffset time)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, format, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                TarEntry entry = format == TarEntryFormat.Pax
                    ? new PaxTarEntry(content is null ? TarEntryType.Directory : TarEntryType.RegularFile, path)
                    : new GnuTarEntry(content is null ? TarEntryType.Directory : TarEntryType.RegularFile, path);
                entry.ModificationTime = time;
                if (content is not null)
                {
                    entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
                }

                writer.WriteEntry(entry);
            }
        }

        return tar.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static Dictionary<string, byte[]> ReadArchive(string path)
    {
        var entries = new Dictionary<string, byte[]>();
        using var reader = new TarReader(File.OpenRead(path));
        while (reader.GetNextEntry() is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream!.CopyTo(data);
            entries[entry.Name] = data.ToArray();
        }

        return entries;
    }

    private static List<string> ArchiveNames(string path)
    {
        var names = new List<string>();
        using var reader = new TarReader(File.OpenRead(path));
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }

    private static List<(string Name, DateTimeOffset Time, string? Content)> ReadLayer(byte[] layer)
    {
        var entries = new List<(string, DateTimeOffset, string?)>();
        using var reader = new TarReader(new MemoryStream(Gunzip(layer)));
        while (reader.GetNextEntry() is { } entry)
        {
            entries.Add((entry.Name, entry.ModificationTime, entry.DataStream is null ? null : new StreamReader(entry.DataStream).ReadToEnd()));
        }

        return entries;
    }

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
}

using System.Security.Cryptography;
using System.Text;

namespace Grid.Build.Tasks.Tests;

/// <summary>What the .NET SDK's container step reports for a job, in the shape it reports it (taken from a real publish).</summary>
public static class SampleImage
{
    public const string BaseLayer = "sha256:4970dee743255232d9afd55d20221e33f856887fb894dea5dcca908deb91ef81";

    public const string AppLayer = "sha256:c8cc36d298605935c0bdd28f6f6d2897b5c8b35fcea95677ca81f5547a2acbe2";

    public static string Manifest(string appLayer = AppLayer) =>
        """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1\u002Bjson","config":{"mediaType":"application/vnd.oci.image.config.v1\u002Bjson","size":1356,"digest":"sha256:d455af6a20b807bf1f32bdff3da142dde21dfb937ec7e96294852c781b200aeb"},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar\u002Bgzip","size":58743305,"digest":"BASE"},{"mediaType":"application/vnd.oci.image.layer.v1.tar\u002Bgzip","size":43118,"digest":"APP"}]}"""
            .Replace("BASE", BaseLayer, StringComparison.Ordinal)
            .Replace("APP", appLayer, StringComparison.Ordinal);

    public static string Configuration(string architecture = "amd64") =>
        """{"config":{"Labels":{"org.opencontainers.image.created":"2026-11-21T06:17:25.0406983Z"},"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/share/dotnet","DOTNET_ROOT=/usr/share/dotnet","APP_UID=1654"],"WorkingDir":"/app/","Entrypoint":["dotnet","/app/TileStats.dll"],"User":"1654"},"created":"2026-11-21T06:17:25.2036276Z","rootfs":{"type":"layers","diff_ids":["sha256:8a0c28f71677e5a6b0bf38b76c7b969ae88c718f1ed8d8804a55981d255381d5","sha256:9f5f6b7526028312c9be1823a0d2f517e09ceef5226b22330bf3793179ceff42"]},"architecture":"ARCH","os":"linux","history":[]}"""
            .Replace("ARCH", architecture, StringComparison.Ordinal);

    public static string DigestOf(string manifest) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest)));

    public const string MediaType = "application/vnd.oci.image.manifest.v1+json";

    public const string BaseImage = "127.0.0.1:5000/dotnet/runtime:10.0";

    /// <summary>A RecordGridImage for the sample, ready to run in <paramref name="directory"/>.</summary>
    public static RecordGridImage Record(string directory, FakeBuildEngine engine, string? registry = null, string appLayer = AppLayer)
    {
        string manifest = Manifest(appLayer);
        return new RecordGridImage
        {
            BuildEngine = engine,
            ContainerDigest = DigestOf(manifest),
            ContainerManifest = manifest,
            ContainerConfiguration = Configuration(),
            ContainerMediaType = MediaType,
            ArchivePath = registry is null ? Path.Combine(directory, "publish", "grid", "image.tar") : "",
            Registry = registry ?? "",
            Repository = "tilestats",
            Tag = "latest",
            BaseImage = BaseImage,
            Architecture = "amd64",
            RecordFile = Path.Combine(directory, "obj", "grid", "image.json"),
        };
    }
}

using System.Text.Json.Nodes;

namespace Grid.Build.Tasks.Tests;

public sealed class RecordGridImageTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeBuildEngine _engine = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TheRecordKeepsTheDigestAndTheConfigFacts()
    {
        var task = SampleImage.Record(_temp.Path, _engine);

        Assert.True(task.Execute(), string.Join("\n", _engine.ErrorLines));

        var record = JsonNode.Parse(File.ReadAllText(task.RecordFile))!;
        Assert.Equal(task.ContainerDigest, (string?)record["digest"]);
        Assert.Equal(task.ContainerDigest, task.Digest);
        Assert.Equal("amd64", (string?)record["architecture"]);
        Assert.Equal("linux", (string?)record["os"]);
        Assert.Equal("/app/", (string?)record["workingDirectory"]);
        Assert.Equal("1654", (string?)record["user"]);
        Assert.Equal(["dotnet", "/app/TileStats.dll"], record["entrypoint"]!.AsArray().Select(n => (string?)n));
        Assert.Equal([SampleImage.BaseLayer, SampleImage.AppLayer], record["layers"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(_temp["publish/grid/image.tar"], (string?)record["archive"]);
    }

    [Fact]
    public void AnUnchangedRecordIsNotRewritten()
    {
        var first = SampleImage.Record(_temp.Path, _engine);
        Assert.True(first.Execute());
        var written = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(first.RecordFile, written);

        Assert.True(SampleImage.Record(_temp.Path, _engine).Execute());
        Assert.Equal(written, File.GetLastWriteTimeUtc(first.RecordFile));

        Assert.True(SampleImage.Record(_temp.Path, _engine, appLayer: "sha256:" + new string('1', 64)).Execute());
        Assert.NotEqual(written, File.GetLastWriteTimeUtc(first.RecordFile));
    }

    [Fact]
    public void ADigestThatIsNotTheManifestsHashFailsWithGrid2003()
    {
        var task = SampleImage.Record(_temp.Path, _engine);
        task.ContainerDigest = "sha256:" + new string('0', 64);

        Assert.False(task.Execute());
        Assert.Equal(["GRID2003"], _engine.ErrorCodes);
        Assert.False(File.Exists(task.RecordFile));
    }

    [Theory]
    [InlineData(nameof(RecordGridImage.ContainerDigest), "GeneratedContainerDigest")]
    [InlineData(nameof(RecordGridImage.ContainerManifest), "GeneratedContainerManifest")]
    [InlineData(nameof(RecordGridImage.ContainerConfiguration), "GeneratedContainerConfiguration")]
    public void NoImageFromTheSdkFailsWithGrid2002(string parameter, string named)
    {
        var task = SampleImage.Record(_temp.Path, _engine);
        typeof(RecordGridImage).GetProperty(parameter)!.SetValue(task, "");

        Assert.False(task.Execute());
        var error = Assert.Single(_engine.Errors);
        Assert.Equal("GRID2002", error.Code);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnImageOfAnotherArchitectureFailsWithGrid2001()
    {
        var task = SampleImage.Record(_temp.Path, _engine);
        task.Architecture = "arm64";

        Assert.False(task.Execute());
        Assert.Equal(
            ["GRID2001: The image built over '127.0.0.1:5000/dotnet/runtime:10.0' is linux/amd64, but GridArchitecture is arm64; use a base image with a linux/arm64 variant (a multi-platform index, as Microsoft's are), or set GridArchitecture to amd64."],
            _engine.ErrorLines);
    }
}

using Grid.Hosting;

namespace Grid.Worker.Tests;

public class DialArgumentsTests
{
    private const string Pin = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("10.0.0.5:7070", "10.0.0.5", 7070)]
    [InlineData("head.internal:443", "head.internal", 443)]
    [InlineData("[fd00::5]:7070", "fd00::5", 7070)]
    public void ConnectTakesAHostAndAPort(string connect, string host, int port)
    {
        Assert.True(WorkerArguments.TryParse(["--grid-worker", "--grid-connect", connect, "--grid-pin", Pin.ToUpperInvariant()], out var parsed, out var error), error);
        Assert.Equal(new HeadAddress(host, port), parsed.Connect);
        Assert.Equal(Pin, parsed.Pin);
    }

    [Theory]
    [InlineData("--grid-connect", "10.0.0.5", "--grid-pin", Pin)]
    [InlineData("--grid-connect", "10.0.0.5:0", "--grid-pin", Pin)]
    [InlineData("--grid-connect", "fd00::5:7070", "--grid-pin", Pin)]
    [InlineData("--grid-connect", "10.0.0.5:7070", "--grid-pin", "abc")]
    [InlineData("--grid-connect", "10.0.0.5:7070")]
    [InlineData("--grid-pin", Pin)]
    public void BadDialArgumentsAreUsageErrors(params string[] dial)
    {
        Assert.False(WorkerArguments.TryParse(["--grid-worker", .. dial], out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void ConnectNeedsWorkerMode()
    {
        Assert.False(WorkerArguments.TryParse(["--grid-connect", "h:1", "--grid-pin", Pin], out _, out var error));
        Assert.Contains("--grid-worker", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DialingNeedsTheRunToken()
    {
        var arguments = Parse();
        Assert.False(WorkerEnvironment.TryReadDial(arguments, _ => null, out _, out var error));
        Assert.Contains("GRID_RUN_TOKEN", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DialSettingsComeFromTheEnvironment()
    {
        var environment = new Dictionary<string, string> { ["GRID_RUN_TOKEN"] = "t0k", ["GRID_WORKER_NAME"] = "spot-7", ["GRID_HEAD_SILENCE_SECONDS"] = "2.5" };
        Assert.True(WorkerEnvironment.TryReadDial(Parse(), environment.GetValueOrDefault, out var settings, out var error), error);
        Assert.Equal("t0k", settings.Token);
        Assert.Equal("spot-7", settings.WorkerName);
        Assert.Equal(TimeSpan.FromSeconds(2.5), settings.HeadSilence);

        Assert.True(WorkerEnvironment.TryReadDial(Parse(), new Dictionary<string, string> { ["GRID_RUN_TOKEN"] = "t" }.GetValueOrDefault, out settings, out _));
        Assert.Equal(Environment.MachineName, settings.WorkerName);
        Assert.Equal(WorkerEnvironment.DefaultHeadSilence, settings.HeadSilence);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("ten")]
    public void HeadSilenceMustBeAPositiveNumberOfSeconds(string value)
    {
        var environment = new Dictionary<string, string> { ["GRID_RUN_TOKEN"] = "t", ["GRID_HEAD_SILENCE_SECONDS"] = value };
        Assert.False(WorkerEnvironment.TryReadDial(Parse(), environment.GetValueOrDefault, out _, out var error));
        Assert.Contains("GRID_HEAD_SILENCE_SECONDS", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SpotNoticesAreWatchedOnlyWhenAskedFor()
    {
        Assert.True(WorkerEnvironment.TryReadSpot(_ => null, out var off, out _));
        Assert.Null(off);
        Assert.True(WorkerEnvironment.TryReadSpot(new Dictionary<string, string> { ["GRID_SPOT_NOTICE"] = "1" }.GetValueOrDefault, out var on, out _));
        Assert.Equal(WorkerEnvironment.DefaultMetadataEndpoint, on!.MetadataEndpoint);
        Assert.False(WorkerEnvironment.TryReadSpot(new Dictionary<string, string> { ["GRID_SPOT_NOTICE"] = "1", ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "169.254.169.254" }.GetValueOrDefault, out _, out var error));
        Assert.Contains("AWS_EC2_METADATA_SERVICE_ENDPOINT", error, StringComparison.Ordinal);
    }

    private static WorkerArguments Parse()
    {
        Assert.True(WorkerArguments.TryParse(["--grid-worker", "--grid-connect", "127.0.0.1:9", "--grid-pin", Pin], out var parsed, out var error), error);
        return parsed;
    }
}

using System.Net;
using Grid.Spot;
using Grid.TestSupport;

namespace Grid.Worker.Tests;

public sealed class SpotNoticeTests : IDisposable
{
    private readonly LoopbackHttp _imds;
    private readonly List<string> _requests = [];
    private volatile string? _notice;

    public SpotNoticeTests()
    {
        _imds = new LoopbackHttp(Answer);
    }

    private Uri Endpoint => _imds.Endpoint;

    [Fact]
    public async Task NoNoticeWhileTheMetadataServiceAnswers404()
    {
        using var notices = new ImdsSpotNotices(Endpoint, TextWriter.Null);

        Assert.Null(await notices.CheckAsync(CancellationToken.None));
        Assert.Equal(["PUT /latest/api/token ttl=21600", "GET /latest/meta-data/spot/instance-action token=session-1"], Requests());
    }

    [Fact]
    public async Task ANoticeIsReadWithItsActionAndTimeAndTheSessionTokenIsReused()
    {
        using var notices = new ImdsSpotNotices(Endpoint, TextWriter.Null);
        Assert.Null(await notices.CheckAsync(CancellationToken.None));
        _notice = "{\"action\":\"stop\",\"time\":\"2026-01-01T00:00:00Z\"}";

        var notice = await notices.CheckAsync(CancellationToken.None);

        Assert.NotNull(notice);
        Assert.Equal("stop", notice.Action);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), notice.Time);
        Assert.Equal("spot interruption: stop at 2026-01-01T00:00:00Z", notice.Reason);
        Assert.Single(Requests(), r => r.StartsWith("PUT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnreachableMetadataServiceIsNoNoticeAndIsReportedOnce()
    {
        var diagnostics = new StringWriter();
        using var notices = new ImdsSpotNotices(new Uri("http://127.0.0.1:1"), diagnostics);

        Assert.Null(await notices.CheckAsync(CancellationToken.None));
        Assert.Null(await notices.CheckAsync(CancellationToken.None));
        Assert.Single(diagnostics.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    public void Dispose() => _imds.Dispose();

    private string[] Requests()
    {
        lock (_requests)
        {
            return [.. _requests];
        }
    }

    private (int Status, string Body) Answer(HttpListenerRequest request)
    {
        if (request.HttpMethod == "PUT")
        {
            Record($"PUT {request.Url!.AbsolutePath} ttl={request.Headers["X-aws-ec2-metadata-token-ttl-seconds"]}");
            return (200, "session-1");
        }

        Record($"GET {request.Url!.AbsolutePath} token={request.Headers["X-aws-ec2-metadata-token"]}");
        string? notice = _notice;
        return notice is null ? (404, "") : (200, notice);
    }

    private void Record(string line)
    {
        lock (_requests)
        {
            _requests.Add(line);
        }
    }
}

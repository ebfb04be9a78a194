using System.Net;
using System.Net.Sockets;
using System.Text;
using Grid.Spot;

namespace Grid.Worker.Tests;

public sealed class SpotNoticeTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    private readonly List<string> _requests = [];
    private volatile string? _notice;

    public SpotNoticeTests()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}");
        probe.Stop();
        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _serving = ServeAsync();
    }

    private Uri Endpoint { get; }

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

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private string[] Requests()
    {
        lock (_requests)
        {
            return [.. _requests];
        }
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var request = context.Request;
            string body = "";
            if (request.HttpMethod == "PUT")
            {
                Record($"PUT {request.Url!.AbsolutePath} ttl={request.Headers["X-aws-ec2-metadata-token-ttl-seconds"]}");
                body = "session-1";
            }
            else
            {
                Record($"GET {request.Url!.AbsolutePath} token={request.Headers["X-aws-ec2-metadata-token"]}");
                context.Response.StatusCode = _notice is null ? 404 : 200;
                body = _notice ?? "";
            }

            byte[] bytes = Encoding.UTF8.GetBytes(body);
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private void Record(string line)
    {
        lock (_requests)
        {
            _requests.Add(line);
        }
    }
}

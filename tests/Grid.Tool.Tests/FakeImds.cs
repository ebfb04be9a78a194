using System.Net;
using Grid.TestSupport;

namespace Grid.Tool.Tests;

/// <summary>
/// An IMDSv2 stand-in on loopback: <c>PUT /latest/api/token</c> hands out tokens, and
/// <c>GET /latest/meta-data/spot/instance-action</c> answers 404, except that the machine given the first token gets
/// a notice from its second question on (so it is interrupted once it is working, not before it starts).
/// </summary>
public sealed class FakeImds : IDisposable
{
    private readonly LoopbackHttp _http;
    private int _tokens;
    private int _noticeQuestions;

    public FakeImds(string action = "terminate")
    {
        Action = action;
        _http = new LoopbackHttp(Answer);
    }

    public string Endpoint => _http.Endpoint.ToString().TrimEnd('/');

    public string Action { get; }

    /// <summary>When the notice says the machine goes.</summary>
    public DateTimeOffset Time { get; } = DateTimeOffset.UtcNow.AddMinutes(2);

    /// <summary>Notices served.</summary>
    public int NoticesServed { get; private set; }

    public void Dispose() => _http.Dispose();

    private (int Status, string Body) Answer(HttpListenerRequest request)
    {
        string path = request.Url!.AbsolutePath;
        if (request.HttpMethod == "PUT" && path == "/latest/api/token")
        {
            return request.Headers["X-aws-ec2-metadata-token-ttl-seconds"] is null
                ? (400, "")
                : (200, $"token-{Interlocked.Increment(ref _tokens)}");
        }

        if (request.HttpMethod == "GET" && path == "/latest/meta-data/spot/instance-action")
        {
            string? token = request.Headers["X-aws-ec2-metadata-token"];
            if (token is null || !token.StartsWith("token-", StringComparison.Ordinal))
            {
                return (401, "");
            }

            if (token == "token-1" && Interlocked.Increment(ref _noticeQuestions) >= 2)
            {
                NoticesServed++;
                return (200, $"{{\"action\":\"{Action}\",\"time\":\"{Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\"}}");
            }

            return (404, "");
        }

        return (404, "");
    }
}

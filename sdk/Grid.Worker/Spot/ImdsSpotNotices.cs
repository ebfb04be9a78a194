using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Grid.Spot;

/// <summary>
/// The EC2 instance metadata service, version 2: a session token from <c>PUT /latest/api/token</c>, then
/// <c>GET /latest/meta-data/spot/instance-action</c>, which is 404 until AWS schedules the interruption and then
/// <c>{"action": "terminate", "time": "2026-01-01T00:00:00Z"}</c>.
/// </summary>
internal sealed class ImdsSpotNotices : ISpotNotices, IDisposable
{
    /// <summary>The longest session IMDS grants; a worker fetches a new token only when one is refused.</summary>
    private const string TokenTtlSeconds = "21600";

    /// <summary>IMDS answers on the link-local network in milliseconds; a slow answer is a missed poll, not a hang.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http;
    private readonly string _base;
    private readonly TextWriter _diagnostics;
    private string? _token;
    private bool _failureReported;

    public ImdsSpotNotices(Uri endpoint, TextWriter diagnostics)
    {
        // IMDS must be reached directly: a proxy would answer for another machine, or not at all.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = RequestTimeout };
        _base = endpoint.ToString().TrimEnd('/');
        _diagnostics = diagnostics;
    }

    public async Task<SpotNotice?> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            for (int tries = 0; tries < 2; tries++)
            {
                _token ??= await GetTokenAsync(cancellationToken).ConfigureAwait(false);
                using var request = new HttpRequestMessage(HttpMethod.Get, _base + "/latest/meta-data/spot/instance-action");
                request.Headers.Add("X-aws-ec2-metadata-token", _token);
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                switch (response.StatusCode)
                {
                    case HttpStatusCode.NotFound:
                        return null;
                    case HttpStatusCode.Unauthorized:
                        // The session expired: one new token, then the question again.
                        _token = null;
                        continue;
                    case HttpStatusCode.OK:
                        return Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                    default:
                        Report($"the metadata service answered {(int)response.StatusCode} for spot/instance-action");
                        return null;
                }
            }

            return null;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException or FormatException && !cancellationToken.IsCancellationRequested)
        {
            Report(exception.Message);
            return null;
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, _base + "/latest/api/token");
        request.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", TokenTtlSeconds);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
    }

    private static SpotNotice Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string action = root.GetProperty("action").GetString() ?? throw new FormatException("spot/instance-action has no action.");
        string time = root.GetProperty("time").GetString() ?? throw new FormatException("spot/instance-action has no time.");
        return new SpotNotice(action, DateTimeOffset.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal));
    }

    /// <summary>Says once why the notice could not be read; a machine without IMDS would otherwise say it every 5 s.</summary>
    private void Report(string why)
    {
        if (!_failureReported)
        {
            _failureReported = true;
            _diagnostics.WriteLine($"grid worker: cannot read the spot interruption notice from {_base}: {why}");
        }
    }
}

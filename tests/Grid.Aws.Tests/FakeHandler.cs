using System.Net;
using System.Text;
using Grid.Aws;
using Grid.Aws.Core;

namespace Grid.Aws.Tests;

/// <summary>An HttpMessageHandler that records each request and answers from a queue of canned responses.</summary>
public sealed class FakeHandler : HttpMessageHandler
{
    private readonly Queue<Func<HttpResponseMessage>> _answers = new();

    public List<RecordedRequest> Requests { get; } = [];

    public FakeHandler Answer(HttpStatusCode status, string body, string contentType = "text/xml", Action<HttpResponseMessage>? configure = null)
    {
        _answers.Enqueue(() =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };
            response.Headers.TryAddWithoutValidation("x-amzn-RequestId", $"req-{_answers.Count}");
            configure?.Invoke(response);
            return response;
        });
        return this;
    }

    public FakeHandler Fail(Exception exception)
    {
        _answers.Enqueue(() => throw exception);
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add(new RecordedRequest(
            request.RequestUri!, body,
            request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value)),
            request.Content?.Headers.ContentType?.ToString()));
        if (_answers.Count == 0)
        {
            throw new InvalidOperationException($"no answer queued for request {Requests.Count}");
        }
        return _answers.Dequeue()();
    }

    /// <summary>Clients over this handler, with fixed keys, region us-east-1, a fixed clock and recorded waits.</summary>
    public (AwsClients Clients, List<TimeSpan> Waits) Clients(AwsRetryPolicy? retry = null, Dictionary<string, string>? environment = null)
    {
        var waits = new List<TimeSpan>();
        var options = new AwsClientOptions
        {
            Region = "us-east-1",
            Credentials = new StaticCredentialSource(new AwsCredentials("AKIDEXAMPLE", "secret")),
            Environment = name => environment is not null && environment.TryGetValue(name, out var v) ? v : null,
            Retry = retry ?? AwsRetryPolicy.Standard,
            Time = new FixedTime(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero)),
            Delay = (delay, _) => { waits.Add(delay); return Task.CompletedTask; },
            Random = () => 0.5,
        };
#pragma warning disable CA2000 // The HttpClient owns the handler; the test owns both.
        return (AwsClients.Create(new HttpClient(this, disposeHandler: false), options), waits);
#pragma warning restore CA2000
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

public sealed record RecordedRequest(Uri Uri, string Body, Dictionary<string, string> Headers, string? ContentType)
{
    /// <summary>The form body decoded into name → value, for query-protocol requests.</summary>
    public Dictionary<string, string> Form() => Body.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2))
        .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
}

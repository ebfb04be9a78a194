using System.Collections.Concurrent;

namespace Grid.Registry.Tests;

/// <summary>Records every request the pusher sends (method, URI, body length) on its way to the real network.</summary>
public sealed class RecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public sealed record Request(HttpMethod Method, Uri Uri, long? ContentLength, string? ContentRange);

    public ConcurrentQueue<Request> Requests { get; } = new();

    public IEnumerable<Request> Patches => Requests.Where(r => r.Method == HttpMethod.Patch);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string? range = request.Content?.Headers.TryGetValues("Content-Range", out var values) == true ? values.First() : null;
        Requests.Enqueue(new Request(request.Method, request.RequestUri!, request.Content?.Headers.ContentLength, range));
        return base.SendAsync(request, cancellationToken);
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Grid.TestSupport;

/// <summary>
/// A small HTTP server on a free loopback port that answers every request with what <c>answer</c> returns: the
/// stand-in for a metadata service or another endpoint a test needs to control. Stops with <see cref="Dispose"/>.
/// </summary>
public sealed class LoopbackHttp : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerRequest, (int Status, string Body)> _answer;
    private readonly Task _serving;

    public LoopbackHttp(Func<HttpListenerRequest, (int Status, string Body)> answer)
    {
        _answer = answer;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        _listener.Prefixes.Add(Endpoint.ToString());
        _listener.Start();
        _serving = ServeAsync();
    }

    /// <summary>The server's base address, with a trailing slash.</summary>
    public Uri Endpoint { get; }

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

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
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

            var (status, body) = _answer(context.Request);
            context.Response.StatusCode = status;
            byte[] bytes = Encoding.UTF8.GetBytes(body);
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}

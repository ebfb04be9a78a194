using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Grid.Tool.Backends;

namespace Grid.Bench.Cloud;

/// <summary>
/// The cloud path's launcher as the bench needs it: workers are not started but accepted. It listens on loopback,
/// completes a TLS handshake with each worker that dials in, and hands the connections to the scheduler in the
/// order they arrived. (The real remote-worker listener will also start the machines; here a simulator dials.)
/// </summary>
internal sealed class TlsWorkerLauncher : IWorkerLauncher, IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly SslServerAuthenticationOptions _tls;
    private readonly Channel<TlsWorkerHandle> _accepted = Channel.CreateUnbounded<TlsWorkerHandle>();
    private readonly CancellationTokenSource _stop = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _count;

    public TlsWorkerLauncher(X509Certificate2 certificate)
    {
        _tls = new SslServerAuthenticationOptions
        {
            // Built once: no chain is built per handshake.
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null),
            EnabledSslProtocols = SslProtocols.Tls13,
            ClientCertificateRequired = false,
        };
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted and through their handshake.</summary>
    public int Accepted => Volatile.Read(ref _count);

    public void Start()
    {
        _listener.Start(backlog: 4096);
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Completes when <paramref name="count"/> workers have connected and finished their handshakes.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Accepted < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"only {Accepted} of {count} workers connected within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    public string Describe(int workers) => $"{workers} simulated TLS workers on 127.0.0.1:{Port}";

    public async Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken) =>
        await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            _ = HandshakeAsync(socket);
        }
    }

    private async Task HandshakeAsync(Socket socket)
    {
        socket.NoDelay = true;
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(_tls, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"cloud-head: a worker's TLS handshake failed: {e.Message}").ConfigureAwait(false);
            await tls.DisposeAsync().ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref _count);
        _accepted.Writer.TryWrite(new TlsWorkerHandle(socket, tls));
    }
}

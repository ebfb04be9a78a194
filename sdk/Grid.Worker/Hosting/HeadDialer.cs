using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Grid.Hosting;

/// <summary>
/// Opens a TLS connection to the head. The head's certificate is self-signed and made for one run, so it is trusted
/// by its SHA-256 pin alone: no CA chain, no host name. Anything else at that address is refused.
/// </summary>
internal sealed class HeadDialer
{
    /// <summary>A TCP connect plus TLS handshake that takes longer than this is a failed attempt, tried again.</summary>
    public static readonly TimeSpan DialTimeout = TimeSpan.FromSeconds(15);

    private readonly DialSettings _settings;

    public HeadDialer(DialSettings settings)
    {
        _settings = settings;
    }

    /// <summary>The TLS stream to the head, or why there is none.</summary>
    public async Task<(Stream? Stream, string? Failure)> DialAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DialTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

        // Keep-alives find a head whose machine vanished without closing the connection, between heartbeats too.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        string? mismatch = null;
        SslStream? tls = null;
        try
        {
            await socket.ConnectAsync(_settings.Head.Host, _settings.Head.Port, timeout.Token).ConfigureAwait(false);
            tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _settings.Head.Host,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => IsPinned(certificate, out mismatch),
            }, timeout.Token).ConfigureAwait(false);
            return (tls, null);
        }
        catch (Exception exception) when (exception is SocketException or IOException or AuthenticationException or OperationCanceledException)
        {
            if (tls is not null)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            string why = mismatch
                ?? (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested
                    ? $"no TLS connection within {DialTimeout.TotalSeconds:0} s"
                    : exception.Message);
            return (null, why);
        }
    }

    private bool IsPinned(X509Certificate? certificate, out string? mismatch)
    {
        mismatch = null;
        if (certificate is null)
        {
            mismatch = "the head presented no certificate";
            return false;
        }

        string actual = Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256));
        if (!string.Equals(actual, _settings.Pin, StringComparison.Ordinal))
        {
            mismatch = $"the certificate at {_settings.Head} has SHA-256 {actual}, not the pinned {_settings.Pin}: it is not this run's head";
            return false;
        }

        return true;
    }
}

using System.Net;

namespace Grid.Tool.Backends;

/// <summary>The knobs of a <see cref="RemoteWorkerPool"/>.</summary>
public sealed record RemoteWorkerPoolOptions
{
    /// <summary>How long a wanted worker may take to dial in: a cloud machine boots, pulls the image and starts.</summary>
    public static readonly TimeSpan DefaultProvisioningTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How long a new connection has for its TLS handshake and its Hello; a slow or garbage client is cut off then.</summary>
    public static readonly TimeSpan DefaultAdmissionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Wanted workers are asked of the capacity this long after the first want, all together; a worker that
    /// redials within it (its connection broke) fills the want, and no machine is started for it.
    /// </summary>
    public static readonly TimeSpan DefaultRequestDelay = TimeSpan.FromSeconds(1);

    /// <summary>The address to listen on: every interface and a port of the system's choice unless given.</summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Any, 0);

    public TimeSpan ProvisioningTimeout { get; init; } = DefaultProvisioningTimeout;

    public TimeSpan AdmissionTimeout { get; init; } = DefaultAdmissionTimeout;

    public TimeSpan RequestDelay { get; init; } = DefaultRequestDelay;

    /// <summary>Where refused connections are reported (a bad token, a failed handshake); one line each.</summary>
    public Action<string> Notice { get; init; } = _ => { };

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

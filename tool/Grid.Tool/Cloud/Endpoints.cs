using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Cloud;

/// <summary>The head's two addresses: where it listens, and what it tells workers to dial.</summary>
public static class Endpoints
{
    /// <summary>HOST:PORT, with a port from 1 to 65535; a bracketed IPv6 literal is allowed.</summary>
    public static (string Host, int Port) ParseAdvertise(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535
            || Uri.CheckHostName(text[..colon].Trim('[', ']')) == UriHostNameType.Unknown)
        {
            throw new GridException(ErrorCodes.AdvertiseAddress, $"--advertise '{text}' is not HOST:PORT (such as 203.0.113.7:7400 or head.example.com:7400).");
        }

        return (text[..colon], port);
    }

    /// <summary>[ADDRESS:]PORT to listen on; null or a bare port listens on every address.</summary>
    public static IPEndPoint ParseListen(string? text)
    {
        if (text is null)
        {
            return new IPEndPoint(IPAddress.Any, 0);
        }

        int colon = text.LastIndexOf(':');
        string host = colon < 0 ? "" : text[..colon].Trim('[', ']');
        string portText = colon < 0 ? text : text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535
            || (host.Length > 0 && !IPAddress.TryParse(host, out _)))
        {
            throw new GridException(ErrorCodes.AdvertiseAddress, $"--listen '{text}' is not [ADDRESS:]PORT (such as 7400 or 10.0.0.5:7400).");
        }

        return new IPEndPoint(host.Length == 0 ? IPAddress.Any : IPAddress.Parse(host), port);
    }

    /// <summary>
    /// With no --advertise: this machine's first non-loopback IPv4 address on an interface that is up, with the
    /// port the head listens on. Right for a head in the workers' VPC; a head behind NAT needs --advertise.
    /// </summary>
    public static string DefaultAdvertise(int port)
    {
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? throw new GridException(ErrorCodes.AdvertiseAddress, "this machine has no network address workers could dial; pass --advertise HOST:PORT.");
        return $"{address}:{port.ToString(CultureInfo.InvariantCulture)}";
    }
}

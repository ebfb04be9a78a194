using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Grid.Hosting;

/// <summary>Where a dialing worker finds its head: a host name or IP address and a TCP port.</summary>
internal sealed record HeadAddress(string Host, int Port)
{
    /// <summary>Parses <c>HOST:PORT</c>; an IPv6 address is written in brackets, <c>[fd00::5]:7070</c>.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out HeadAddress? address)
    {
        address = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        string host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            // An IPv6 address without brackets is ambiguous with the port.
            return false;
        }

        if (host.Length == 0 || host.Any(char.IsWhiteSpace)
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return false;
        }

        address = new HeadAddress(host, port);
        return true;
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

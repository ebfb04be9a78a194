using System.Net;

namespace Grid.Registry.Http;

/// <summary>
/// A registry's address: the base URI requests go to and the name references carry (<c>host[:port]</c>).
/// Plain HTTP is allowed for loopback hosts only: a login sent in the clear must never leave the machine.
/// </summary>
internal sealed record RegistryEndpoint(Uri BaseUri, string Name)
{
    public static RegistryEndpoint Parse(string registry)
    {
        string text = registry.Trim().TrimEnd('/');
        bool explicitScheme = text.Contains("://", StringComparison.Ordinal);
        if (!Uri.TryCreate(explicitScheme ? text : "https://" + text, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("https" or "http") || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query)
            || !string.IsNullOrEmpty(uri.UserInfo) || uri.Host.Length == 0)
        {
            throw new RegistryException(
                RegistryErrorCodes.BadEndpoint,
                $"The registry '{registry}' is not a registry address; use host[:port] (123456789012.dkr.ecr.us-east-1.amazonaws.com, 127.0.0.1:5000) or an https:// URL with no path.");
        }

        bool loopback = IsLoopback(uri.Host);
        if (uri.Scheme == "http" && !loopback)
        {
            throw new RegistryException(
                RegistryErrorCodes.BadEndpoint,
                $"The registry '{registry}' is plain HTTP on a host that is not loopback; use https:// (plain HTTP is allowed only for 127.0.0.1, ::1 and localhost).");
        }

        // Without a scheme a loopback registry is plain HTTP, as test and development registries are.
        string scheme = explicitScheme ? uri.Scheme : loopback ? "http" : "https";
        var builder = new UriBuilder(scheme, uri.Host, uri.IsDefaultPort && !explicitScheme ? -1 : uri.Port, "/");
        if (builder.Uri.IsDefaultPort)
        {
            builder.Port = -1;
        }

        var baseUri = builder.Uri;
        string name = baseUri.IsDefaultPort ? baseUri.Host : $"{baseUri.Host}:{baseUri.Port}";
        if (baseUri.HostNameType == UriHostNameType.IPv6)
        {
            name = baseUri.IsDefaultPort ? $"[{baseUri.DnsSafeHost}]" : $"[{baseUri.DnsSafeHost}]:{baseUri.Port}";
        }

        return new RegistryEndpoint(baseUri, name);
    }

    public static bool IsLoopback(string host)
    {
        string bare = host.Trim('[', ']');
        return bare.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bare, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>The URI of a path under /v2/ of this registry.</summary>
    public Uri Api(string path) => new(BaseUri, "/v2/" + path);
}

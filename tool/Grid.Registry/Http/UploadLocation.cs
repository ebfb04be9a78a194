namespace Grid.Registry.Http;

/// <summary>
/// Where an upload goes next. Registries answer each step of an upload with a <c>Location</c> that may be relative
/// (<c>/v2/r/blobs/uploads/uuid?_state=…</c>, distribution) or absolute (ECR, some proxies), and that may carry
/// state in its query which must be kept: each request goes exactly where the previous answer said.
/// </summary>
internal static class UploadLocation
{
    public static Uri Resolve(Uri requestUri, string location)
    {
        if (string.IsNullOrWhiteSpace(location))
        {
            throw new RegistryException(RegistryErrorCodes.RegistryFailed, $"The registry answered {requestUri.AbsolutePath} without a Location to continue the upload at.");
        }

        return new Uri(requestUri, location.Trim());
    }

    /// <summary>The location with one query parameter added, keeping the registry's own parameters.</summary>
    public static Uri WithQuery(Uri location, string name, string value)
    {
        string pair = Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value);
        var builder = new UriBuilder(location);
        string query = builder.Query.TrimStart('?');
        builder.Query = query.Length == 0 ? pair : query + "&" + pair;
        return builder.Uri;
    }
}

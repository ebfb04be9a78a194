namespace Grid.Registry;

/// <summary>
/// The image pusher's GRID codes (GRID7101–GRID7119), listed with cause and fix in docs/errors.md; the tool's
/// catalog test checks them with the tool's own codes.
/// </summary>
public static class RegistryErrorCodes
{
    /// <summary>No HTTP answer from the registry (refused, reset, name not found, timed out), after retries.</summary>
    public const string Unreachable = "GRID7101";

    /// <summary>The registry or its token service refused the credentials, or asked for some and none were given.</summary>
    public const string AuthenticationRefused = "GRID7102";

    /// <summary>The repository or tag is not a valid name, or the registry refused it (no such repository, denied).</summary>
    public const string NameRefused = "GRID7103";

    /// <summary>Bytes that do not hash to their digest: a blob of the source, or the manifest digest the registry confirmed.</summary>
    public const string DigestMismatch = "GRID7104";

    /// <summary>The archive is not an image archive this pusher reads (neither an OCI layout nor a docker-save tar, or incomplete).</summary>
    public const string UnsupportedArchive = "GRID7105";

    /// <summary>The registry address is not usable: plain HTTP to a host other than loopback, or not a host[:port] or URL.</summary>
    public const string BadEndpoint = "GRID7106";

    /// <summary>The registry answered an error the pusher cannot act on, or kept failing (5xx, 429) past the retries.</summary>
    public const string RegistryFailed = "GRID7107";

    /// <summary>The source image (repository@digest) is not in the source registry, or is not an image manifest.</summary>
    public const string SourceNotFound = "GRID7108";
}

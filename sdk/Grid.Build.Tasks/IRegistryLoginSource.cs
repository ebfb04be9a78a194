using Grid.Registry;

namespace Grid.Build.Tasks;

/// <summary>A registry login and where it was found, for the build log (never the password).</summary>
/// <param name="Credentials">The user name and password or token.</param>
/// <param name="Source">e.g. <c>DOTNET_CONTAINER_REGISTRY_UNAME</c> or <c>/home/me/.docker/config.json (credHelpers: ecr-login)</c>.</param>
internal sealed record RegistryLogin(RegistryCredentials Credentials, string Source);

/// <summary>Finds the login for a registry the image is pushed to.</summary>
internal interface IRegistryLoginSource
{
    /// <summary>
    /// The login for <paramref name="registry"/> (<c>host[:port]</c>), or null when none is configured (a registry
    /// without auth needs none). Throws <see cref="RegistryLoginException"/> when a login is configured but cannot be read.
    /// </summary>
    RegistryLogin? Find(string registry);
}

/// <summary>A configured login that cannot be read: a broken config file, a failing credential helper.</summary>
internal sealed class RegistryLoginException(string source, string reason) : Exception(reason)
{
    /// <summary>The file or helper that failed.</summary>
    public string Where { get; } = source;
}

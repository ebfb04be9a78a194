namespace Grid.Registry;

/// <summary>Where an image goes: a registry, a repository in it, the tag to give the image, and a login.</summary>
/// <param name="Registry">
/// <c>host[:port]</c> or a URL (<c>https://123456789012.dkr.ecr.us-east-1.amazonaws.com</c>). Without a scheme it is
/// HTTPS, except a loopback host (127.0.0.0/8, ::1, localhost), which is plain HTTP; plain HTTP is refused anywhere else.
/// </param>
/// <param name="Repository">The repository name: lower-case path components such as <c>team/tile-stats</c>.</param>
/// <param name="Tag">The tag the manifest is put under.</param>
/// <param name="Credentials">The login, or null for a registry that asks for none.</param>
public sealed record RegistryTarget(string Registry, string Repository, string Tag, RegistryCredentials? Credentials = null);

namespace Grid.Registry;

/// <summary>
/// A registry login. ECR's GetAuthorizationToken decodes to user <c>AWS</c> and a password; other registries take
/// an account's user name and password or token. Used for HTTP Basic auth, or to obtain a Bearer token.
/// </summary>
public sealed record RegistryCredentials(string UserName, string Password)
{
    /// <summary>Keeps the password out of logs and exception messages.</summary>
    public override string ToString() => $"{UserName}:***";
}

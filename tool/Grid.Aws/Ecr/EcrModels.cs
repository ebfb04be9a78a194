using System.Text;
using System.Text.Json.Serialization;

namespace Grid.Aws.Ecr;

/// <summary>ECR tags are the one place in these models with capitalised member names.</summary>
public sealed record EcrTag([property: JsonPropertyName("Key")] string Key, [property: JsonPropertyName("Value")] string Value);

public sealed record CreateRepositoryRequest(string RepositoryName, bool ScanOnPush, IReadOnlyList<EcrTag> Tags);

public sealed record EcrRepository(
    string RepositoryArn, string RegistryId, string RepositoryName, string RepositoryUri, DateTimeOffset? CreatedAt);

/// <summary>A registry login: <see cref="AuthorizationToken"/> is base64 of <c>AWS:password</c>.</summary>
public sealed record EcrAuthorization(string AuthorizationToken, DateTimeOffset ExpiresAt, string ProxyEndpoint)
{
    public (string User, string Password) Credentials
    {
        get
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(AuthorizationToken));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? throw new FormatException("ECR token is not user:password") : (decoded[..colon], decoded[(colon + 1)..]);
        }
    }

    /// <summary>The registry host (and port) without scheme: what image references start with.</summary>
    public string Registry => new Uri(ProxyEndpoint).Authority;
}

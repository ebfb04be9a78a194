using Grid.Aws;
using Grid.Aws.Core;

namespace Grid.Tool.Cloud;

/// <summary>The AWS clients for a region, with the credentials and endpoint overrides the environment gives.</summary>
public static class AwsSession
{
    /// <summary>One HTTP connection pool for every AWS call and registry request of the process.</summary>
    public static HttpClient Http { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>
    /// Keys in the environment first (as every AWS SDK does), then AWSSDK.Core's chain: profiles, SSO, web
    /// identity, the container and instance roles.
    /// </summary>
    public static AwsClients Create(string region, Func<string, string?> environment) =>
        AwsClients.Create(Http, new AwsClientOptions { Region = region, Credentials = Credentials(environment), Environment = environment });

    public static IAwsCredentialSource Credentials(Func<string, string?> environment) =>
        environment("AWS_ACCESS_KEY_ID") is { Length: > 0 } id && environment("AWS_SECRET_ACCESS_KEY") is { Length: > 0 } secret
            ? new StaticCredentialSource(new AwsCredentials(id, secret, environment("AWS_SESSION_TOKEN") is { Length: > 0 } token ? token : null))
            : new DefaultCredentialSource();
}

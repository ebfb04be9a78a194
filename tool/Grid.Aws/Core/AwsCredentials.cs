using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Grid.Aws.Core;

/// <summary>One set of credentials, as signing needs them.</summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    public override string ToString() => $"AwsCredentials {{ AccessKeyId = {AccessKeyId} }}";
}

/// <summary>Where credentials come from; asked before every request so that expiring ones are refreshed.</summary>
public interface IAwsCredentialSource
{
    ValueTask<AwsCredentials> GetAsync(CancellationToken cancellationToken);
}

/// <summary>Fixed credentials: tests, and the emulator's dummy keys.</summary>
public sealed class StaticCredentialSource(AwsCredentials credentials) : IAwsCredentialSource
{
    public ValueTask<AwsCredentials> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credentials);
}

/// <summary>
/// AWSSDK.Core's standard chain: environment variables, the shared config and credentials files (profiles,
/// SSO, credential_process, assume-role), web identity (<c>AWS_WEB_IDENTITY_TOKEN_FILE</c>, as GitHub
/// Actions' OIDC gives), the ECS container endpoint and the EC2 instance role. The SDK caches and refreshes.
/// </summary>
public sealed class DefaultCredentialSource : IAwsCredentialSource
{
    private AWSCredentials? _resolved;

    public async ValueTask<AwsCredentials> GetAsync(CancellationToken cancellationToken)
    {
        AWSCredentials resolved;
        try
        {
            resolved = _resolved ??= DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
        }
        catch (AmazonClientException e)
        {
            throw new AwsException("AWS", "ResolveCredentials", "NoCredentials", e.Message, null, null, e);
        }
        ImmutableCredentials immutable;
        try
        {
            immutable = await resolved.GetCredentialsAsync().WaitAsync(cancellationToken);
        }
        catch (AmazonClientException e)
        {
            throw new AwsException("AWS", "ResolveCredentials", "NoCredentials", e.Message, null, null, e);
        }
        return new AwsCredentials(immutable.AccessKey, immutable.SecretKey, immutable.UseToken ? immutable.Token : null);
    }
}

namespace Grid.Aws.Sts;

/// <summary>The STS calls Grid makes: who the credentials belong to (the dry run's first check).</summary>
public interface ISts
{
    Task<CallerIdentity> GetCallerIdentityAsync(CancellationToken cancellationToken = default);
}

public sealed record CallerIdentity(string Account, string Arn, string UserId);

namespace Grid.Aws.Ecr;

/// <summary>The ECR calls Grid makes: the job's repository and the registry's credentials.</summary>
public interface IEcr
{
    Task<EcrRepository> CreateRepositoryAsync(CreateRepositoryRequest request, CancellationToken cancellationToken = default);

    /// <summary>The named repositories; RepositoryNotFoundException when one is missing.</summary>
    Task<IReadOnlyList<EcrRepository>> DescribeRepositoriesAsync(IReadOnlyList<string> names, CancellationToken cancellationToken = default);

    Task PutLifecyclePolicyAsync(string repositoryName, string policyText, CancellationToken cancellationToken = default);

    /// <summary>A registry login for the account's default registry, valid for 12 hours.</summary>
    Task<EcrAuthorization> GetAuthorizationTokenAsync(CancellationToken cancellationToken = default);

    Task<EcrRepository> DeleteRepositoryAsync(string repositoryName, bool force, CancellationToken cancellationToken = default);
}

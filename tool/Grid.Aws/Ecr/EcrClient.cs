using Grid.Aws.Core;
using Grid.Aws.Wire;

namespace Grid.Aws.Ecr;

/// <summary>ECR over JSON 1.1: POST / with <c>X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.Operation</c>.</summary>
public sealed class EcrClient(AwsHttpCore core) : IEcr
{
    public const string TargetPrefix = "AmazonEC2ContainerRegistry_V20150921";

    public async Task<EcrRepository> CreateRepositoryAsync(CreateRepositoryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wire = new CreateRepositoryWire(
            request.RepositoryName, request.Tags.Count > 0 ? request.Tags : null, new ScanningWire(request.ScanOnPush));
        var answer = await CallAsync<CreateRepositoryWire, RepositoryAnswer>("CreateRepository", wire, cancellationToken);
        return answer.Repository;
    }

    public async Task<IReadOnlyList<EcrRepository>> DescribeRepositoriesAsync(
        IReadOnlyList<string> names, CancellationToken cancellationToken = default)
    {
        var answer = await CallAsync<DescribeRepositoriesWire, RepositoriesAnswer>(
            "DescribeRepositories", new DescribeRepositoriesWire(names), cancellationToken);
        return answer.Repositories;
    }

    public Task PutLifecyclePolicyAsync(string repositoryName, string policyText, CancellationToken cancellationToken = default) =>
        CallAsync<LifecyclePolicyWire, Empty>("PutLifecyclePolicy", new LifecyclePolicyWire(repositoryName, policyText), cancellationToken);

    public async Task<EcrAuthorization> GetAuthorizationTokenAsync(CancellationToken cancellationToken = default)
    {
        var answer = await CallAsync<Empty, AuthorizationAnswer>("GetAuthorizationToken", new Empty(), cancellationToken);
        return answer.AuthorizationData.Count > 0
            ? answer.AuthorizationData[0]
            : throw new AwsException("ECR", "GetAuthorizationToken", "MalformedResponse", "no authorizationData", null, null);
    }

    public async Task<EcrRepository> DeleteRepositoryAsync(string repositoryName, bool force, CancellationToken cancellationToken = default)
    {
        var answer = await CallAsync<DeleteRepositoryWire, RepositoryAnswer>(
            "DeleteRepository", new DeleteRepositoryWire(repositoryName, force), cancellationToken);
        return answer.Repository;
    }

    /// <summary>The lifecycle rule Grid sets: untagged images expire after <paramref name="days"/> days.</summary>
    public static string ExpireUntaggedPolicy(int days) =>
        "{\"rules\":[{\"rulePriority\":1,\"description\":\"expire untagged images\",\"selection\":{\"tagStatus\":\"untagged\"," +
        "\"countType\":\"sinceImagePushed\",\"countUnit\":\"days\",\"countNumber\":" +
        days.ToString(System.Globalization.CultureInfo.InvariantCulture) + "},\"action\":{\"type\":\"expire\"}}]}";

    private Task<TResponse> CallAsync<TRequest, TResponse>(string operation, TRequest request, CancellationToken cancellationToken) =>
        JsonWire.Json11Async<TRequest, TResponse>(core, AwsService.Ecr, TargetPrefix, operation, request, cancellationToken);

    private sealed record ScanningWire(bool ScanOnPush);

    private sealed record CreateRepositoryWire(
        string RepositoryName, IReadOnlyList<EcrTag>? Tags, ScanningWire ImageScanningConfiguration);

    private sealed record DescribeRepositoriesWire(IReadOnlyList<string> RepositoryNames);

    private sealed record LifecyclePolicyWire(string RepositoryName, string LifecyclePolicyText);

    private sealed record DeleteRepositoryWire(string RepositoryName, bool Force);

    private sealed record RepositoryAnswer(EcrRepository Repository);

    private sealed record RepositoriesAnswer(IReadOnlyList<EcrRepository> Repositories);

    private sealed record AuthorizationAnswer(IReadOnlyList<EcrAuthorization> AuthorizationData);
}

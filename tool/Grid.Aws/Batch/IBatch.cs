namespace Grid.Aws.Batch;

/// <summary>
/// The AWS Batch calls Grid makes: a managed SPOT compute environment, a job queue on it, a job definition for
/// the worker container, the array job of workers, and what teardown needs. Describe and list calls follow
/// nextToken to the end.
/// </summary>
public interface IBatch
{
    Task<BatchResource> CreateComputeEnvironmentAsync(CreateComputeEnvironmentRequest request, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ComputeEnvironment>> DescribeComputeEnvironmentsAsync(
        IReadOnlyList<string>? names = null, CancellationToken cancellationToken = default);

    /// <summary>Enables or disables an environment, or changes its vCPU bounds; null leaves a field as it is.</summary>
    Task UpdateComputeEnvironmentAsync(
        string name, string? state, int? maxvCpus = null, int? desiredvCpus = null, CancellationToken cancellationToken = default);

    Task DeleteComputeEnvironmentAsync(string name, CancellationToken cancellationToken = default);

    Task<BatchResource> CreateJobQueueAsync(
        string name, int priority, IReadOnlyList<string> computeEnvironments, IReadOnlyDictionary<string, string> tags,
        CancellationToken cancellationToken = default);

    Task<IReadOnlyList<JobQueueDetail>> DescribeJobQueuesAsync(IReadOnlyList<string>? names = null, CancellationToken cancellationToken = default);

    Task UpdateJobQueueAsync(string name, string state, CancellationToken cancellationToken = default);

    Task DeleteJobQueueAsync(string name, CancellationToken cancellationToken = default);

    Task<JobDefinition> RegisterJobDefinitionAsync(RegisterJobDefinitionRequest request, CancellationToken cancellationToken = default);

    Task DeregisterJobDefinitionAsync(string jobDefinition, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<JobDefinition>> DescribeJobDefinitionsAsync(
        string? name = null, string? status = null, CancellationToken cancellationToken = default);

    Task<SubmittedJob> SubmitJobAsync(SubmitJobRequest request, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<BatchJob>> DescribeJobsAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken = default);

    /// <summary>Jobs in a queue (<paramref name="jobQueue"/>) or the children of an array job (<paramref name="arrayJobId"/>).</summary>
    Task<IReadOnlyList<JobSummary>> ListJobsAsync(
        string? jobQueue, string? arrayJobId, string? jobStatus, CancellationToken cancellationToken = default);

    Task TerminateJobAsync(string jobId, string reason, CancellationToken cancellationToken = default);
}

using Grid.Aws.Core;
using Grid.Aws.Wire;

namespace Grid.Aws.Batch;

/// <summary>AWS Batch over REST-JSON (API version 2016-08-10): every call is POST /v1/&lt;operation in lower case&gt;.</summary>
public sealed class BatchClient(AwsHttpCore core) : IBatch
{
    public async Task<BatchResource> CreateComputeEnvironmentAsync(
        CreateComputeEnvironmentRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wire = new
        {
            computeEnvironmentName = request.Name,
            type = "MANAGED",
            state = "ENABLED",
            computeResources = new
            {
                type = "SPOT",
                allocationStrategy = "SPOT_PRICE_CAPACITY_OPTIMIZED",
                minvCpus = 0,
                maxvCpus = request.MaxvCpus,
                instanceTypes = request.InstanceTypes,
                subnets = request.Subnets,
                securityGroupIds = request.SecurityGroupIds,
                instanceRole = request.InstanceRole,
                tags = request.Tags,
                launchTemplate = request.LaunchTemplateId is { } id ? new { launchTemplateId = id } : null,
            },
            serviceRole = request.ServiceRole,
            tags = request.Tags,
        };
        var answer = await CallAsync<object, ComputeEnvironmentAnswer>("CreateComputeEnvironment", wire, cancellationToken);
        return new BatchResource(answer.ComputeEnvironmentName, answer.ComputeEnvironmentArn);
    }

    public async Task<IReadOnlyList<ComputeEnvironment>> DescribeComputeEnvironmentsAsync(
        IReadOnlyList<string>? names = null, CancellationToken cancellationToken = default)
    {
        var results = new List<ComputeEnvironment>();
        string? token = null;
        do
        {
            var answer = await CallAsync<object, ComputeEnvironmentsAnswer>(
                "DescribeComputeEnvironments", new { computeEnvironments = names, nextToken = token }, cancellationToken);
            results.AddRange(answer.ComputeEnvironments);
            token = answer.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
        return results;
    }

    public Task UpdateComputeEnvironmentAsync(
        string name, string? state, int? maxvCpus = null, int? desiredvCpus = null, CancellationToken cancellationToken = default) =>
        CallAsync<object, Empty>("UpdateComputeEnvironment", new
        {
            computeEnvironment = name,
            state,
            computeResources = maxvCpus is null && desiredvCpus is null ? null : new { maxvCpus, desiredvCpus },
        }, cancellationToken);

    public Task DeleteComputeEnvironmentAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync<object, Empty>("DeleteComputeEnvironment", new { computeEnvironment = name }, cancellationToken);

    public async Task<BatchResource> CreateJobQueueAsync(
        string name, int priority, IReadOnlyList<string> computeEnvironments, IReadOnlyDictionary<string, string> tags,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(computeEnvironments);
        var answer = await CallAsync<object, JobQueueAnswer>("CreateJobQueue", new
        {
            jobQueueName = name,
            state = "ENABLED",
            priority,
            computeEnvironmentOrder = computeEnvironments.Select((e, i) => new { order = i + 1, computeEnvironment = e }).ToList(),
            tags,
        }, cancellationToken);
        return new BatchResource(answer.JobQueueName, answer.JobQueueArn);
    }

    public async Task<IReadOnlyList<JobQueueDetail>> DescribeJobQueuesAsync(IReadOnlyList<string>? names = null, CancellationToken cancellationToken = default)
    {
        var results = new List<JobQueueDetail>();
        string? token = null;
        do
        {
            var answer = await CallAsync<object, JobQueuesAnswer>("DescribeJobQueues", new { jobQueues = names, nextToken = token }, cancellationToken);
            results.AddRange(answer.JobQueues);
            token = answer.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
        return results;
    }

    public Task UpdateJobQueueAsync(string name, string state, CancellationToken cancellationToken = default) =>
        CallAsync<object, Empty>("UpdateJobQueue", new { jobQueue = name, state }, cancellationToken);

    public Task DeleteJobQueueAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync<object, Empty>("DeleteJobQueue", new { jobQueue = name }, cancellationToken);

    public async Task<JobDefinition> RegisterJobDefinitionAsync(RegisterJobDefinitionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var answer = await CallAsync<object, JobDefinitionAnswer>("RegisterJobDefinition", new
        {
            jobDefinitionName = request.Name,
            type = "container",
            containerProperties = new
            {
                image = request.Image,
                command = request.Command,
                jobRoleArn = request.JobRoleArn,
                environment = NameValues(request.Environment),
                resourceRequirements = new[]
                {
                    new { type = "VCPU", value = request.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    new { type = "MEMORY", value = request.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                },
            },
            timeout = request.AttemptDurationSeconds is { } seconds ? new { attemptDurationSeconds = seconds } : null,
            propagateTags = true,
            tags = request.Tags,
        }, cancellationToken);
        return new JobDefinition(answer.JobDefinitionName, answer.JobDefinitionArn, answer.Revision, "ACTIVE", request.Tags);
    }

    public Task DeregisterJobDefinitionAsync(string jobDefinition, CancellationToken cancellationToken = default) =>
        CallAsync<object, Empty>("DeregisterJobDefinition", new { jobDefinition }, cancellationToken);

    public async Task<IReadOnlyList<JobDefinition>> DescribeJobDefinitionsAsync(
        string? name = null, string? status = null, CancellationToken cancellationToken = default)
    {
        var results = new List<JobDefinition>();
        string? token = null;
        do
        {
            var answer = await CallAsync<object, JobDefinitionsAnswer>(
                "DescribeJobDefinitions", new { jobDefinitionName = name, status, nextToken = token }, cancellationToken);
            results.AddRange(answer.JobDefinitions);
            token = answer.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
        return results;
    }

    public async Task<SubmittedJob> SubmitJobAsync(SubmitJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await CallAsync<object, SubmittedJob>("SubmitJob", new
        {
            jobName = request.JobName,
            jobQueue = request.JobQueue,
            jobDefinition = request.JobDefinition,
            arrayProperties = request.ArraySize is { } size ? new { size } : null,
            containerOverrides = request.Environment.Count > 0 ? new { environment = NameValues(request.Environment) } : null,
            propagateTags = true,
            tags = request.Tags,
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<BatchJob>> DescribeJobsAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        var results = new List<BatchJob>();
        // DescribeJobs takes at most 100 ids per call.
        foreach (var chunk in jobIds.Chunk(100))
        {
            var answer = await CallAsync<object, JobsAnswer>("DescribeJobs", new { jobs = chunk }, cancellationToken);
            results.AddRange(answer.Jobs);
        }
        return results;
    }

    public async Task<IReadOnlyList<JobSummary>> ListJobsAsync(
        string? jobQueue, string? arrayJobId, string? jobStatus, CancellationToken cancellationToken = default)
    {
        var results = new List<JobSummary>();
        string? token = null;
        do
        {
            var answer = await CallAsync<object, JobSummariesAnswer>(
                "ListJobs", new { jobQueue, arrayJobId, jobStatus, nextToken = token }, cancellationToken);
            results.AddRange(answer.JobSummaryList);
            token = answer.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
        return results;
    }

    public Task TerminateJobAsync(string jobId, string reason, CancellationToken cancellationToken = default) =>
        CallAsync<object, Empty>("TerminateJob", new { jobId, reason }, cancellationToken);

    private static object[] NameValues(IReadOnlyDictionary<string, string> values) =>
        values.Select(kv => (object)new { name = kv.Key, value = kv.Value }).ToArray();

    private Task<TResponse> CallAsync<TRequest, TResponse>(string operation, TRequest request, CancellationToken cancellationToken) =>
        JsonWire.RestJsonAsync<TRequest, TResponse>(
            core, AwsService.Batch, "/v1/" + operation.ToLowerInvariant(), operation, request, cancellationToken);

    private sealed record ComputeEnvironmentAnswer(string ComputeEnvironmentName, string ComputeEnvironmentArn);

    private sealed record ComputeEnvironmentsAnswer(IReadOnlyList<ComputeEnvironment> ComputeEnvironments, string? NextToken);

    private sealed record JobQueueAnswer(string JobQueueName, string JobQueueArn);

    private sealed record JobQueuesAnswer(IReadOnlyList<JobQueueDetail> JobQueues, string? NextToken);

    private sealed record JobDefinitionAnswer(string JobDefinitionName, string JobDefinitionArn, int Revision);

    private sealed record JobDefinitionsAnswer(IReadOnlyList<JobDefinition> JobDefinitions, string? NextToken);

    private sealed record JobsAnswer(IReadOnlyList<BatchJob> Jobs);

    private sealed record JobSummariesAnswer(IReadOnlyList<JobSummary> JobSummaryList, string? NextToken);
}

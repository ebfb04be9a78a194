namespace Grid.Aws.Batch;

/// <summary>A Batch object's name and ARN, as the create calls answer.</summary>
public sealed record BatchResource(string Name, string Arn);

/// <summary>
/// A managed SPOT compute environment with SPOT_PRICE_CAPACITY_OPTIMIZED allocation.
/// <paramref name="InstanceRole"/> is the instance profile of the container hosts.
/// </summary>
public sealed record CreateComputeEnvironmentRequest(
    string Name, int MaxvCpus, IReadOnlyList<string> InstanceTypes, IReadOnlyList<string> Subnets,
    IReadOnlyList<string> SecurityGroupIds, string InstanceRole, IReadOnlyDictionary<string, string> Tags,
    string? ServiceRole = null, string? LaunchTemplateId = null);

public sealed record ComputeEnvironment(
    string ComputeEnvironmentName, string ComputeEnvironmentArn, string? State, string? Status, string? StatusReason,
    IReadOnlyDictionary<string, string>? Tags);

public sealed record JobQueueDetail(
    string JobQueueName, string JobQueueArn, string? State, string? Status, string? StatusReason,
    IReadOnlyDictionary<string, string>? Tags);

/// <summary>A container job definition; vCPUs and memory (MiB) go in as resource requirements.</summary>
public sealed record RegisterJobDefinitionRequest(
    string Name, string Image, int Vcpus, int MemoryMiB, IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment, string? JobRoleArn, int? AttemptDurationSeconds,
    IReadOnlyDictionary<string, string> Tags);

public sealed record JobDefinition(
    string JobDefinitionName, string JobDefinitionArn, int Revision, string? Status, IReadOnlyDictionary<string, string>? Tags);

/// <summary>A job; with <paramref name="ArraySize"/> (2–10,000) an array job whose children share the definition.</summary>
public sealed record SubmitJobRequest(
    string JobName, string JobQueue, string JobDefinition, int? ArraySize,
    IReadOnlyDictionary<string, string> Environment, IReadOnlyDictionary<string, string> Tags);

public sealed record SubmittedJob(string JobId, string JobName, string? JobArn);

public sealed record ArrayProperties(IReadOnlyDictionary<string, int>? StatusSummary, int? Size, int? Index);

public sealed record ContainerResult(int? ExitCode, string? Reason);

/// <summary>A job's state: SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED. Times are epoch milliseconds.</summary>
public sealed record BatchJob(
    string JobId, string JobName, string Status, string? StatusReason, string? JobQueue, long? CreatedAt, long? StartedAt,
    long? StoppedAt, ArrayProperties? ArrayProperties, ContainerResult? Container, IReadOnlyDictionary<string, string>? Tags);

public sealed record JobSummary(string JobId, string JobName, string Status, long? CreatedAt, ArrayProperties? ArrayProperties);

namespace Grid.CloudInABox.State;

public sealed class RepositoryRecord
{
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public required string Uri { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public bool ScanOnPush { get; init; }
    public string ImageTagMutability { get; init; } = "MUTABLE";
    public string? LifecyclePolicy { get; set; }
    public List<KeyValuePair<string, string>> Tags { get; init; } = [];
}

/// <summary>A Batch object's life: CREATING → VALID, DELETING → gone, after <see cref="CloudOptions.BatchTransition"/>.</summary>
public abstract class BatchObject
{
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public string State { get; set; } = "ENABLED";
    public string Status { get; set; } = "CREATING";
    public DateTimeOffset StatusSince { get; set; }
    public string? StatusReason { get; set; }
    public Dictionary<string, string> Tags { get; init; } = [];
}

public sealed class ComputeEnvironmentRecord : BatchObject
{
    public required string Type { get; init; }
    public string? ServiceRole { get; init; }
    public required System.Text.Json.Nodes.JsonObject ComputeResources { get; init; }
    public string Uuid { get; } = Guid.NewGuid().ToString("D");

    /// <summary>The instance that runs this environment's jobs, launched when it places its first one.</summary>
    public string? HostInstanceId { get; set; }
}

public sealed class JobQueueRecord : BatchObject
{
    public int Priority { get; set; }
    public List<(int Order, string ComputeEnvironmentArn)> ComputeEnvironmentOrder { get; set; } = [];
}

public sealed class JobDefinitionRecord
{
    public required string Name { get; init; }
    public required int Revision { get; init; }
    public required string Arn { get; init; }
    public required string Type { get; init; }
    public string Status { get; set; } = "ACTIVE";
    public System.Text.Json.Nodes.JsonObject? ContainerProperties { get; init; }
    public System.Text.Json.Nodes.JsonObject? Timeout { get; init; }
    public System.Text.Json.Nodes.JsonObject? RetryStrategy { get; init; }
    public Dictionary<string, string> Tags { get; init; } = [];
}

public sealed class JobRecord
{
    public required string JobId { get; init; }
    public required string JobName { get; init; }
    public required string JobArn { get; init; }
    public required string JobQueueArn { get; init; }
    public required string JobDefinitionArn { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string Status { get; set; } = "SUBMITTED";
    public DateTimeOffset StatusSince { get; set; }
    public string? StatusReason { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? StoppedAt { get; set; }
    public int? ArraySize { get; init; }
    public int? ArrayIndex { get; init; }
    public string? ParentId { get; init; }
    public List<JobRecord> Children { get; } = [];
    public List<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>The submit call's containerOverrides.command; null for the job definition's.</summary>
    public List<string>? Command { get; init; }

    public Dictionary<string, string> Tags { get; init; } = [];
    public bool Started { get; set; }

    /// <summary>Where the job was placed: its compute environment and that environment's host instance.</summary>
    public string? ComputeEnvironment { get; set; }
    public string? HostInstanceId { get; set; }

    /// <summary>The container's exit code, once it has exited by itself.</summary>
    public int? ExitCode { get; set; }

    public bool IsDone => Status is "SUCCEEDED" or "FAILED";
}

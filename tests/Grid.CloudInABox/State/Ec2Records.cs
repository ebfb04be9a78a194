namespace Grid.CloudInABox.State;

/// <summary>Tags on any resource: insertion-ordered, one value per key, as EC2 keeps them.</summary>
public sealed class Tags : Dictionary<string, string>
{
    public Tags()
        : base(StringComparer.Ordinal)
    {
    }

    public Tags(IEnumerable<KeyValuePair<string, string>> tags)
        : base(StringComparer.Ordinal)
    {
        foreach (var (key, value) in tags)
        {
            this[key] = value;
        }
    }
}

public sealed class Vpc
{
    public required string VpcId { get; init; }
    public required string CidrBlock { get; init; }
    public bool IsDefault { get; init; }
    public Tags Tags { get; } = new();
}

public sealed class SubnetRecord
{
    public required string SubnetId { get; init; }
    public required string VpcId { get; init; }
    public required string AvailabilityZone { get; init; }
    public required string AvailabilityZoneId { get; init; }
    public required string CidrBlock { get; init; }
    public bool DefaultForAz { get; init; }
    public int NextHost { get; set; } = 4;
    public Tags Tags { get; } = new();
}

public sealed record IngressRule(string Protocol, int FromPort, int ToPort, string? SourceGroupId, string? Cidr, string? Description);

public sealed class SecurityGroupRecord
{
    public required string GroupId { get; init; }
    public required string GroupName { get; init; }
    public required string Description { get; init; }
    public required string VpcId { get; init; }
    public List<IngressRule> Ingress { get; } = [];
    public Tags Tags { get; } = new();
}

public sealed class LaunchTemplateRecord
{
    public required string LaunchTemplateId { get; init; }
    public required string Name { get; init; }
    public string? ClientToken { get; init; }
    public required DateTimeOffset CreateTime { get; init; }
    public string? ImageId { get; init; }
    public string? UserData { get; init; }
    public string? IamInstanceProfile { get; init; }
    public string? HttpTokens { get; init; }
    public string? ShutdownBehavior { get; init; }
    public List<string> SecurityGroupIds { get; init; } = [];
    public Tags InstanceTags { get; init; } = new();
    public Tags Tags { get; } = new();
}

/// <summary>A fleet pool: an instance type in a subnet.</summary>
public sealed record Pool(string InstanceType, string SubnetId);

public sealed record FleetLaunch(Pool Pool, string Lifecycle, List<string> InstanceIds);

public sealed record FleetFailure(Pool Pool, string Lifecycle, string Code, string Message);

public sealed class FleetRecord
{
    public required string FleetId { get; init; }
    public required string ClientToken { get; init; }
    public required string RequestFingerprint { get; init; }
    public required string Type { get; init; }
    public required DateTimeOffset CreateTime { get; init; }
    public required string LaunchTemplateId { get; init; }
    public required int TargetCapacity { get; init; }
    public required string DefaultCapacityType { get; init; }
    public string State { get; set; } = "active";
    public List<FleetLaunch> Launches { get; } = [];
    public List<FleetFailure> Failures { get; } = [];
    public Tags Tags { get; } = new();
}

public sealed class InstanceRecord
{
    public required string InstanceId { get; init; }
    public required string InstanceType { get; init; }
    public required string ImageId { get; init; }
    public required SubnetRecord Subnet { get; init; }
    public required string PrivateIpAddress { get; init; }
    public required DateTimeOffset LaunchTime { get; init; }
    public required string Lifecycle { get; init; }
    public string? FleetId { get; init; }
    public string? LaunchTemplateId { get; init; }
    public string? UserData { get; init; }

    /// <summary>The launch template's InstanceInitiatedShutdownBehavior: "terminate", or "stop" (EC2's default).</summary>
    public string? ShutdownBehavior { get; init; }

    /// <summary>The Batch compute environment this instance is a host of, if any.</summary>
    public string? ComputeEnvironment { get; init; }

    public List<string> SecurityGroupIds { get; init; } = [];
    public string State { get; set; } = "pending";
    public DateTimeOffset StateSince { get; set; }
    public string? StateReason { get; set; }

    /// <summary>EC2's <c>reason</c>: who began the last stop or termination, and when (<c>User initiated (2026-11-21 06:19:19 GMT)</c>).</summary>
    public string? StateTransitionReason { get; set; }

    /// <summary>The spot interruption notice, once given: what /spot/instance-action serves.</summary>
    public DateTimeOffset? InterruptionAt { get; set; }

    public bool Started { get; set; }
    public Tags Tags { get; } = new();

    public int StateCode => State switch
    {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        _ => 80,
    };
}

public sealed record SpotPricePoint(string InstanceType, string AvailabilityZone, decimal Price, DateTimeOffset Timestamp);

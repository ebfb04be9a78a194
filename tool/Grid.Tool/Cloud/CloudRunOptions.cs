namespace Grid.Tool.Cloud;

/// <summary>The options of `dotnet grid run --target aws` beyond those every run has.</summary>
public sealed record CloudRunOptions
{
    /// <summary>Overrides the manifest's region and the AWS configuration's.</summary>
    public string? Region { get; init; }

    public CloudBackend Backend { get; init; } = CloudBackend.Ec2;

    /// <summary>HOST:PORT workers dial; null finds this machine's address and uses the listening port.</summary>
    public string? Advertise { get; init; }

    /// <summary>Where the head listens for workers: [ADDRESS:]PORT; null is every address and a free port.</summary>
    public string? Listen { get; init; }

    /// <summary>Subnets to launch in (one VPC); null uses the default VPC's default subnets.</summary>
    public IReadOnlyList<string>? Subnets { get; init; }

    public string? InstanceProfile { get; init; }

    /// <summary>The AMI (or a resolve:ssm: parameter) for EC2 workers; null for the ECS-optimized Amazon Linux 2023.</summary>
    public string? MachineImage { get; init; }

    /// <summary>Check everything and print what would be created; create nothing.</summary>
    public bool DryRun { get; init; }
}

namespace Grid.Tool.Cloud;

/// <summary>How a cloud worker reaches the head: the advertised address, the certificate pin, the run's token.</summary>
public sealed record WorkerDial(string Endpoint, string CertificatePin, string Token);

/// <summary>Which service places the workers.</summary>
public enum CloudBackend
{
    /// <summary>EC2 instant fleets of spot instances, one worker container per instance.</summary>
    Ec2,

    /// <summary>An AWS Batch managed SPOT compute environment running the workers as an array job.</summary>
    Batch,
}

/// <summary>
/// Everything the cloud backends need to know about one run, settled before anything is created: where, what
/// image, which capacity, and (once the head listens) how workers dial it.
/// </summary>
public sealed record CloudJob
{
    public required CloudNames Names { get; init; }

    public required CloudBackend Backend { get; init; }

    public required string Region { get; init; }

    public required string Account { get; init; }

    /// <summary>The image by digest, as workers pull it: <c>123.dkr.ecr.eu-west-1.amazonaws.com/tilestats@sha256:…</c>.</summary>
    public required string Image { get; init; }

    /// <summary>The registry host workers log in to.</summary>
    public required string Registry { get; init; }

    /// <summary>The image's architecture in OCI's words: amd64 or arm64.</summary>
    public required string Architecture { get; init; }

    public required IReadOnlyList<string> InstanceTypes { get; init; }

    public required string VpcId { get; init; }

    public required IReadOnlyList<string> SubnetIds { get; init; }

    public bool Spot { get; init; } = true;

    /// <summary>The most to pay per instance-hour for spot; null for the on-demand price (AWS's default).</summary>
    public decimal? MaxSpotPrice { get; init; }

    /// <summary>Launch on-demand instances for the part of a request spot capacity refused.</summary>
    public bool OnDemandFallback { get; init; }

    public required int Workers { get; init; }

    public required int SlotsPerWorker { get; init; }

    public double Cpu { get; init; } = 1;

    public int MemoryMiB { get; init; } = 2048;

    /// <summary>Whole vCPUs a worker needs (Batch sizes containers and environments in them).</summary>
    public int Vcpus => Math.Max(1, (int)Math.Ceiling(Cpu));

    /// <summary>The instance profile whose role pulls the image (EC2) or the container hosts' profile (Batch).</summary>
    public string? InstanceProfile { get; init; }

    /// <summary>The AMI, or an SSM parameter EC2 resolves at launch (<c>resolve:ssm:/aws/service/ecs/...</c>).</summary>
    public required string MachineImage { get; init; }

    /// <summary>A worker that cannot reach the head this long exits, and its machine shuts down.</summary>
    public TimeSpan HeadSilence { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>No instance lives longer than this, whatever happens to the head: the last line of defence against bills.</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Which head of the run this is: 0 for the first, one more for each resume (client tokens differ per head).</summary>
    public int Generation { get; init; }

    /// <summary>Set once the head listens.</summary>
    public WorkerDial? Dial { get; init; }

    public WorkerDial RequireDial() => Dial ?? throw new InvalidOperationException("the head is not listening yet");

    /// <summary>The ECS-optimized Amazon Linux 2023 AMI (Docker and the AWS CLI installed) for an architecture, resolved by EC2 at launch.</summary>
    public static string DefaultMachineImage(string architecture) => Cloud.InstanceTypes.Normalize(architecture) == "arm64"
        ? "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
        : "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id";
}

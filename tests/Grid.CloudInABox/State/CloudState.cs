namespace Grid.CloudInABox.State;

/// <summary>
/// Everything the emulated account holds. One lock guards it all: every API call runs under <see cref="Gate"/>
/// and starts by calling <see cref="Advance"/>, which moves time-driven states on (pending → running,
/// shutting-down → terminated, a reclaimed instance past its notice, Batch CREATING → VALID ...).
/// </summary>
public sealed partial class CloudState
{
    public CloudState(CloudOptions options)
    {
        Options = options;
        Faults = options.Faults;
        Seed(options.Time.GetUtcNow());
    }

    public CloudOptions Options { get; }

    public object Gate { get; } = new();

    /// <summary>The faults in force: the options' at first, replaced through /_grid/faults or by tests.</summary>
    public FaultSettings Faults { get; set; }

    public List<Vpc> Vpcs { get; } = [];
    public List<SubnetRecord> Subnets { get; } = [];
    public Dictionary<string, SecurityGroupRecord> SecurityGroups { get; } = [];
    public Dictionary<string, LaunchTemplateRecord> LaunchTemplates { get; } = [];
    public Dictionary<string, FleetRecord> Fleets { get; } = [];
    public Dictionary<string, InstanceRecord> Instances { get; } = [];
    public List<SpotPricePoint> SpotPrices { get; } = [];
    public Dictionary<string, RepositoryRecord> Repositories { get; } = [];
    public Dictionary<string, ComputeEnvironmentRecord> ComputeEnvironments { get; } = [];
    public Dictionary<string, JobQueueRecord> JobQueues { get; } = [];
    public List<JobDefinitionRecord> JobDefinitions { get; } = [];
    public Dictionary<string, JobRecord> Jobs { get; } = [];

    /// <summary>Calls for the workload runtime, queued under the lock and run outside it by the clock loop.</summary>
    public Queue<Func<IWorkloadRuntime, CancellationToken, Task>> RuntimeCalls { get; } = new();

    public string Arn(string service, string resource) => $"arn:aws:{service}:{Options.Region}:{Options.AccountId}:{resource}";

    /// <summary>Prices per hour (USD) that look like us-east-1's spot market; other types get a made-up price.</summary>
    private static readonly Dictionary<string, decimal> BasePrices = new()
    {
        ["t3.micro"] = 0.0031m, ["t3.large"] = 0.0250m, ["m5.large"] = 0.0380m, ["m6i.large"] = 0.0400m,
        ["m7i.large"] = 0.0420m, ["m6g.large"] = 0.0330m, ["m7g.large"] = 0.0340m, ["c5.large"] = 0.0330m,
        ["c6i.large"] = 0.0350m, ["c7i.large"] = 0.0370m, ["c6g.large"] = 0.0280m, ["c7g.large"] = 0.0300m,
        ["c7g.xlarge"] = 0.0600m, ["c7g.2xlarge"] = 0.1200m, ["m7g.xlarge"] = 0.0680m, ["r7g.large"] = 0.0450m,
        ["c6i.xlarge"] = 0.0700m, ["m6i.xlarge"] = 0.0800m, ["c5.xlarge"] = 0.0650m,
    };

    /// <summary>The current spot price of a type in a zone; zones differ by a few per cent.</summary>
    public static decimal SpotPrice(string instanceType, string availabilityZone)
    {
        var basePrice = BasePrices.TryGetValue(instanceType, out var p) ? p : 0.05m + (Math.Abs(StableHash(instanceType)) % 100) / 1000m;
        var zoneFactor = 1m + (availabilityZone[^1] - 'a') * 0.03m;
        return decimal.Round(basePrice * zoneFactor, 4);
    }

    private void Seed(DateTimeOffset now)
    {
        var vpc = new Vpc { VpcId = Ids.New("vpc"), CidrBlock = "172.31.0.0/16", IsDefault = true };
        Vpcs.Add(vpc);
        string[] zones = ["a", "b", "c"];
        for (var i = 0; i < zones.Length; i++)
        {
            Subnets.Add(new SubnetRecord
            {
                SubnetId = Ids.New("subnet"),
                VpcId = vpc.VpcId,
                AvailabilityZone = Options.Region + zones[i],
                AvailabilityZoneId = $"use1-az{i + 1}",
                CidrBlock = $"172.31.{i * 16}.0/20",
                DefaultForAz = true,
            });
        }
        var defaultGroup = new SecurityGroupRecord
        {
            GroupId = Ids.New("sg"), GroupName = "default", Description = "default VPC security group", VpcId = vpc.VpcId,
        };
        defaultGroup.Ingress.Add(new IngressRule("-1", 0, 0, defaultGroup.GroupId, null, null));
        SecurityGroups[defaultGroup.GroupId] = defaultGroup;

        // A day of history, every 6 hours, per type and zone.
        foreach (var type in BasePrices.Keys)
        {
            foreach (var zone in zones)
            {
                var az = Options.Region + zone;
                for (var h = 0; h < 4; h++)
                {
                    var drift = 1m + ((StableHash(type + az) + h) % 7 - 3) / 100m;
                    SpotPrices.Add(new SpotPricePoint(type, az, decimal.Round(SpotPrice(type, az) * drift, 4), now.AddHours(-6 * h - 1)));
                }
            }
        }
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked(hash * 31 + c);
        }
        return hash & 0x7fffffff;
    }
}

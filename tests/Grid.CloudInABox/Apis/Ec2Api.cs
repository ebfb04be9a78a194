using System.Xml.Linq;
using Grid.CloudInABox.State;
using Grid.CloudInABox.Wire;
using static Grid.CloudInABox.Wire.Ec2Xml;

namespace Grid.CloudInABox.Apis;

/// <summary>
/// EC2's query API (2016-11-15) for the calls Grid makes. Called under the state lock. This file holds the
/// dispatch and the fleet and instance calls; templates and network calls are in the other Ec2Api files.
/// </summary>
public sealed partial class Ec2Api(CloudState state)
{
    public static readonly IReadOnlySet<string> Actions = new HashSet<string>
    {
        "CreateFleet", "DescribeFleets", "DeleteFleets", "CreateLaunchTemplate", "DeleteLaunchTemplate",
        "DescribeLaunchTemplates", "DescribeInstances", "TerminateInstances", "CreateSecurityGroup",
        "AuthorizeSecurityGroupIngress", "DeleteSecurityGroup", "DescribeSecurityGroups", "DescribeSubnets",
        "DescribeSpotPriceHistory",
    };

    private DateTimeOffset Now => state.Options.Time.GetUtcNow();

    public XElement Handle(string action, QueryParams q, string requestId) => action switch
    {
        "CreateFleet" => CreateFleet(q, requestId),
        "DescribeFleets" => DescribeFleets(q, requestId),
        "DeleteFleets" => DeleteFleets(q, requestId),
        "CreateLaunchTemplate" => CreateLaunchTemplate(q, requestId),
        "DeleteLaunchTemplate" => DeleteLaunchTemplate(q, requestId),
        "DescribeLaunchTemplates" => DescribeLaunchTemplates(q, requestId),
        "DescribeInstances" => DescribeInstances(q, requestId),
        "TerminateInstances" => TerminateInstances(q, requestId),
        "CreateSecurityGroup" => CreateSecurityGroup(q, requestId),
        "AuthorizeSecurityGroupIngress" => AuthorizeSecurityGroupIngress(q, requestId),
        "DeleteSecurityGroup" => DeleteSecurityGroup(q, requestId),
        "DescribeSecurityGroups" => DescribeSecurityGroups(q, requestId),
        "DescribeSubnets" => DescribeSubnets(q, requestId),
        "DescribeSpotPriceHistory" => DescribeSpotPriceHistory(q, requestId),
        _ => throw new ApiException("InvalidAction", $"The action {action} is not valid for this web service."),
    };

    private XElement CreateFleet(QueryParams q, string requestId)
    {
        var type = q["Type"] ?? "maintain";
        if (type != "instant")
        {
            throw new ApiException("InvalidParameterValue", $"The emulator supports fleets of type instant only, not '{type}'.");
        }
        var clientToken = q["ClientToken"] ?? Ids.Request();
        var fingerprint = q.Fingerprint("ClientToken");
        var existing = state.Fleets.Values.FirstOrDefault(f => f.ClientToken == clientToken);
        if (existing is not null)
        {
            // Idempotency: a retried request gets the first one's answer; a different request with the same token is refused.
            return existing.RequestFingerprint == fingerprint
                ? FleetResponse(existing, requestId)
                : throw new ApiException("IdempotentParameterMismatch", "The client token has been used with different parameters.");
        }

        var configs = q.Structs("LaunchTemplateConfigs");
        if (configs.Count != 1)
        {
            throw new ApiException("InvalidParameterValue", "Exactly one launch template config is supported by the emulator.");
        }
        var spec = configs[0].Struct("LaunchTemplateSpecification");
        var template = FindTemplate(spec["LaunchTemplateId"], spec["LaunchTemplateName"]);
        var capacity = q.Struct("TargetCapacitySpecification");
        var total = capacity.Number("TotalTargetCapacity") ?? throw new ApiException("MissingParameter", "TotalTargetCapacity is required");
        var capacityType = capacity["DefaultTargetCapacityType"] ?? "on-demand";
        if (capacityType is not ("spot" or "on-demand"))
        {
            throw new ApiException("InvalidParameterValue", $"DefaultTargetCapacityType '{capacityType}' is invalid.");
        }
        var lifecycle = capacityType == "spot" ? "spot" : "on-demand";
        var pools = configs[0].Structs("Overrides").Select(o => new Pool(
            o["InstanceType"] ?? throw new ApiException("InvalidParameterValue", "Each override needs an InstanceType (the template has none)."),
            o["SubnetId"] ?? state.Subnets.First(s => s.DefaultForAz).SubnetId)).ToList();
        if (pools.Count == 0)
        {
            throw new ApiException("InvalidParameterValue", "At least one override (instance type and subnet) is required.");
        }
        foreach (var pool in pools)
        {
            FindSubnet(pool.SubnetId);
        }

        var fleet = new FleetRecord
        {
            FleetId = Ids.Fleet(), ClientToken = clientToken, RequestFingerprint = fingerprint, Type = type, CreateTime = Now,
            LaunchTemplateId = template.LaunchTemplateId, TargetCapacity = total, DefaultCapacityType = capacityType,
        };
        foreach (var tag in q.TagsFor("fleet"))
        {
            fleet.Tags[tag.Key] = tag.Value;
        }

        // Price-capacity-optimized, simplified: refused pools report InsufficientInstanceCapacity; the rest are
        // tried cheapest first and the whole target lands in the cheapest one that has capacity.
        var refused = state.Faults.NoCapacity;
        foreach (var pool in pools.Where(p => refused.Contains(p.InstanceType)))
        {
            fleet.Failures.Add(new FleetFailure(pool, lifecycle, "InsufficientInstanceCapacity",
                $"We currently do not have sufficient {pool.InstanceType} capacity in the Availability Zone you requested ({FindSubnet(pool.SubnetId).AvailabilityZone}). Our system will be working on provisioning additional capacity."));
        }
        var chosen = pools.Where(p => !refused.Contains(p.InstanceType))
            .OrderBy(p => CloudState.SpotPrice(p.InstanceType, FindSubnet(p.SubnetId).AvailabilityZone))
            .FirstOrDefault();
        if (chosen is not null && total > 0)
        {
            var instanceTags = new Tags(template.InstanceTags.Concat(q.TagsFor("instance")))
            {
                ["aws:ec2:fleet-id"] = fleet.FleetId,
            };
            var ids = Enumerable.Range(0, total).Select(_ => Launch(chosen, lifecycle, template, fleet.FleetId, instanceTags).InstanceId).ToList();
            fleet.Launches.Add(new FleetLaunch(chosen, lifecycle, ids));
        }
        state.Fleets[fleet.FleetId] = fleet;
        return FleetResponse(fleet, requestId);
    }

    private InstanceRecord Launch(Pool pool, string lifecycle, LaunchTemplateRecord template, string? fleetId, Tags tags)
    {
        var subnet = FindSubnet(pool.SubnetId);
        var host = subnet.NextHost++;
        var baseOctets = subnet.CidrBlock.Split('/')[0].Split('.');
        var instance = new InstanceRecord
        {
            InstanceId = Ids.New("i"),
            InstanceType = pool.InstanceType,
            ImageId = template.ImageId ?? "ami-0123456789abcdef0",
            Subnet = subnet,
            PrivateIpAddress = $"{baseOctets[0]}.{baseOctets[1]}.{int.Parse(baseOctets[2], System.Globalization.CultureInfo.InvariantCulture) + host / 256}.{host % 256}",
            LaunchTime = Now,
            StateSince = Now,
            Lifecycle = lifecycle,
            FleetId = fleetId,
            LaunchTemplateId = template.LaunchTemplateId,
            UserData = template.UserData,
            ShutdownBehavior = template.ShutdownBehavior,
            SecurityGroupIds = template.SecurityGroupIds.Count > 0
                ? [.. template.SecurityGroupIds]
                : [state.SecurityGroups.Values.First(g => g.VpcId == subnet.VpcId && g.GroupName == "default").GroupId],
        };
        foreach (var (key, value) in tags)
        {
            instance.Tags[key] = value;
        }
        state.Instances[instance.InstanceId] = instance;
        return instance;
    }

    private static XElement FleetResponse(FleetRecord fleet, string requestId) => Response("CreateFleet", requestId,
        E("fleetId", fleet.FleetId),
        Set("errorSet", fleet.Failures, f => [PoolOverrides(fleet, f.Pool), E("lifecycle", f.Lifecycle), E("errorCode", f.Code), E("errorMessage", f.Message)]),
        Set("fleetInstanceSet", fleet.Launches, l => [PoolOverrides(fleet, l.Pool), E("lifecycle", l.Lifecycle),
            Set("instanceIds", l.InstanceIds, id => [id]), E("instanceType", l.Pool.InstanceType), E("platform", "Linux/UNIX")]));

    private static XElement PoolOverrides(FleetRecord fleet, Pool pool) => E("launchTemplateAndOverrides",
        E("launchTemplateSpecification", E("launchTemplateId", fleet.LaunchTemplateId), E("version", "1")),
        E("overrides", E("instanceType", pool.InstanceType), E("subnetId", pool.SubnetId)));

    private XElement DescribeFleets(QueryParams q, string requestId)
    {
        var ids = q.List("FleetId");
        foreach (var id in ids.Where(id => !state.Fleets.ContainsKey(id)))
        {
            throw new ApiException("InvalidFleetId.NotFound", $"The fleet ID '{id}' does not exist");
        }
        var filters = q.Filters();
        var fleets = state.Fleets.Values.Where(f => (ids.Count == 0 || ids.Contains(f.FleetId)) && Matches(filters, name => name switch
        {
            "fleet-state" => [f.State],
            "type" => [f.Type],
            _ => null,
        }, f.Tags));
        return Response("DescribeFleets", requestId, Set("fleetSet", fleets, f => [
            E("activityStatus", "fulfilled"), E("createTime", Time(f.CreateTime)), E("fleetId", f.FleetId), E("fleetState", f.State),
            E("clientToken", f.ClientToken), E("excessCapacityTerminationPolicy", "termination"),
            E("fulfilledCapacity", f.Launches.Sum(l => l.InstanceIds.Count)), E("fulfilledOnDemandCapacity", 0),
            E("targetCapacitySpecification", E("totalTargetCapacity", f.TargetCapacity), E("defaultTargetCapacityType", f.DefaultCapacityType)),
            E("terminateInstancesWithExpiration", "false"), E("type", f.Type), E("replaceUnhealthyInstances", "false"),
            E("spotOptions", E("allocationStrategy", "price-capacity-optimized")),
            TagSet(f.Tags),
            Set("errorSet", f.Failures, e => [PoolOverrides(f, e.Pool), E("lifecycle", e.Lifecycle), E("errorCode", e.Code), E("errorMessage", e.Message)]),
            Set("fleetInstanceSet", f.Launches, l => [PoolOverrides(f, l.Pool), E("lifecycle", l.Lifecycle),
                Set("instanceIds", l.InstanceIds, id => [id]), E("instanceType", l.Pool.InstanceType)]),
        ]));
    }

    private XElement DeleteFleets(QueryParams q, string requestId)
    {
        var terminate = q.Flag("TerminateInstances");
        var ok = new List<(string Id, string Previous)>();
        var failed = new List<(string Id, string Code, string Message)>();
        foreach (var id in q.List("FleetId"))
        {
            if (!state.Fleets.TryGetValue(id, out var fleet) || fleet.State.StartsWith("deleted", StringComparison.Ordinal))
            {
                failed.Add((id, "fleetIdDoesNotExist", $"The fleet ID '{id}' does not exist"));
                continue;
            }
            if (fleet.Type == "instant" && !terminate)
            {
                failed.Add((id, "unexpectedError", "Instant fleets can only be deleted with TerminateInstances=true"));
                continue;
            }
            var previous = fleet.State;
            fleet.State = terminate ? "deleted_terminating" : "deleted_running";
            if (terminate)
            {
                foreach (var instanceId in fleet.Launches.SelectMany(l => l.InstanceIds))
                {
                    state.BeginTermination(state.Instances[instanceId], Now, "Client.UserInitiatedShutdown", "the fleet was deleted");
                }
            }
            ok.Add((id, previous));
        }
        return Response("DeleteFleets", requestId,
            Set("successfulFleetDeletionSet", ok, d => [E("currentFleetState", terminate ? "deleted_terminating" : "deleted_running"), E("previousFleetState", d.Previous), E("fleetId", d.Id)]),
            Set("unsuccessfulFleetDeletionSet", failed, d => [E("error", E("code", d.Code), E("message", d.Message)), E("fleetId", d.Id)]));
    }

    private XElement DescribeInstances(QueryParams q, string requestId)
    {
        var ids = q.List("InstanceId");
        foreach (var id in ids.Where(id => !state.Instances.ContainsKey(id)))
        {
            throw new ApiException("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        }
        var filters = q.Filters();
        var instances = state.Instances.Values.Where(i => (ids.Count == 0 || ids.Contains(i.InstanceId)) && Matches(filters, name => name switch
        {
            "instance-id" => [i.InstanceId],
            "instance-state-name" => [i.State],
            "instance-type" => [i.InstanceType],
            "subnet-id" => [i.Subnet.SubnetId],
            "vpc-id" => [i.Subnet.VpcId],
            "availability-zone" => [i.Subnet.AvailabilityZone],
            "instance-lifecycle" => [i.Lifecycle],
            "private-ip-address" => [i.PrivateIpAddress],
            "instance.group-id" => i.SecurityGroupIds,
            _ => null,
        }, i.Tags)).ToList();
        // One reservation per fleet launch (or per instance otherwise), as EC2 groups them.
        var reservations = instances.GroupBy(i => i.FleetId ?? i.InstanceId);
        return Response("DescribeInstances", requestId, Set("reservationSet", reservations, r => [
            E("reservationId", "r-" + Ids.New("x")[2..]),
            E("ownerId", state.Options.AccountId),
            E("groupSet"),
            Set("instancesSet", r, i => InstanceXml(i)),
        ]));
    }

    private object?[] InstanceXml(InstanceRecord i) =>
    [
        E("instanceId", i.InstanceId), E("imageId", i.ImageId),
        E("instanceState", E("code", i.StateCode), E("name", i.State)),
        E("privateDnsName", $"ip-{i.PrivateIpAddress.Replace('.', '-')}.ec2.internal"), E("dnsName"),
        E("reason", i.StateTransitionReason ?? ""), E("amiLaunchIndex", 0), E("productCodes"),
        E("instanceType", i.InstanceType), E("launchTime", Time(i.LaunchTime)),
        E("placement", E("availabilityZone", i.Subnet.AvailabilityZone), E("groupName"), E("tenancy", "default")),
        E("monitoring", E("state", "disabled")), E("subnetId", i.Subnet.SubnetId), E("vpcId", i.Subnet.VpcId),
        E("privateIpAddress", i.PrivateIpAddress), E("sourceDestCheck", "true"),
        Set("groupSet", i.SecurityGroupIds, g => [E("groupId", g), E("groupName", state.SecurityGroups.TryGetValue(g, out var sg) ? sg.GroupName : g)]),
        i.StateReason is null ? null : E("stateReason", E("code", i.StateReason), E("message", i.StateReason)),
        E("architecture", i.InstanceType.Contains('g', StringComparison.Ordinal) && i.InstanceType.Split('.')[0].EndsWith('g') ? "arm64" : "x86_64"),
        E("rootDeviceType", "ebs"), E("rootDeviceName", "/dev/xvda"), E("blockDeviceMapping"),
        i.Lifecycle == "spot" ? E("instanceLifecycle", "spot") : null,
        i.Lifecycle == "spot" ? E("spotInstanceRequestId", "sir-" + i.InstanceId[2..10]) : null,
        E("virtualizationType", "hvm"), E("hypervisor", "xen"),
        TagSet(i.Tags),
        E("metadataOptions", E("state", "applied"), E("httpTokens", "required"), E("httpPutResponseHopLimit", 2), E("httpEndpoint", "enabled")),
    ];

    private XElement TerminateInstances(QueryParams q, string requestId)
    {
        var ids = q.List("InstanceId");
        if (ids.Count == 0)
        {
            throw new ApiException("MissingParameter", "The request must contain the parameter InstanceId");
        }
        foreach (var id in ids.Where(id => !state.Instances.ContainsKey(id)))
        {
            throw new ApiException("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        }
        var changes = ids.Select(id =>
        {
            var instance = state.Instances[id];
            var previous = (instance.StateCode, instance.State);
            state.BeginTermination(instance, Now, "Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown");
            return (id, previous, current: (instance.StateCode, instance.State));
        }).ToList();
        return Response("TerminateInstances", requestId, Set("instancesSet", changes, c => [
            E("instanceId", c.id),
            E("currentState", E("code", c.current.StateCode), E("name", c.current.State)),
            E("previousState", E("code", c.previous.StateCode), E("name", c.previous.State)),
        ]));
    }

    /// <summary>Applies describe filters: known names via <paramref name="field"/>, tags, and InvalidParameterValue for the rest.</summary>
    private static bool Matches(List<(string Name, List<string> Values)> filters, Func<string, IEnumerable<string>?> field, Tags tags)
    {
        foreach (var (name, values) in filters)
        {
            var tagMatch = TagFilter(name, values, tags);
            if (tagMatch is { } matched)
            {
                if (!matched)
                {
                    return false;
                }
                continue;
            }
            var actual = field(name) ?? throw new ApiException("InvalidParameterValue", $"The filter '{name}' is invalid");
            if (!actual.Any(a => values.Any(v => Like(a, v))))
            {
                return false;
            }
        }
        return true;
    }

    private SubnetRecord FindSubnet(string id) =>
        state.Subnets.FirstOrDefault(s => s.SubnetId == id) ?? throw new ApiException("InvalidSubnetID.NotFound", $"The subnet ID '{id}' does not exist");
}

using System.Globalization;
using System.Xml.Linq;
using Grid.CloudInABox.State;
using Grid.CloudInABox.Wire;
using static Grid.CloudInABox.Wire.Ec2Xml;

namespace Grid.CloudInABox.Apis;

/// <summary>Security groups, subnets and spot prices.</summary>
public sealed partial class Ec2Api
{
    private XElement CreateSecurityGroup(QueryParams q, string requestId)
    {
        var name = q.Required("GroupName");
        var description = q.Required("GroupDescription");
        var vpcId = q["VpcId"] ?? state.Vpcs.First(v => v.IsDefault).VpcId;
        if (state.Vpcs.All(v => v.VpcId != vpcId))
        {
            throw new ApiException("InvalidVpcID.NotFound", $"The vpc ID '{vpcId}' does not exist");
        }
        if (name.StartsWith("sg-", StringComparison.Ordinal))
        {
            throw new ApiException("InvalidParameterValue", "Group names may not be in the format sg-*.");
        }
        if (state.SecurityGroups.Values.Any(g => g.VpcId == vpcId && g.GroupName == name))
        {
            throw new ApiException("InvalidGroup.Duplicate", $"The security group '{name}' already exists for VPC '{vpcId}'");
        }
        var group = new SecurityGroupRecord { GroupId = Ids.New("sg"), GroupName = name, Description = description, VpcId = vpcId };
        foreach (var tag in q.TagsFor("security-group"))
        {
            group.Tags[tag.Key] = tag.Value;
        }
        state.SecurityGroups[group.GroupId] = group;
        return Response("CreateSecurityGroup", requestId, E("return", "true"), E("groupId", group.GroupId), TagSet(group.Tags));
    }

    private XElement AuthorizeSecurityGroupIngress(QueryParams q, string requestId)
    {
        var group = FindGroup(q.Required("GroupId"));
        var added = new List<(string RuleId, IngressRule Rule)>();
        foreach (var permission in q.Structs("IpPermissions"))
        {
            var protocol = permission.Required("IpProtocol");
            var from = permission.Number("FromPort") ?? -1;
            var to = permission.Number("ToPort") ?? -1;
            var rules = permission.Structs("Groups").Select(g =>
                    new IngressRule(protocol, from, to, FindGroup(g.Required("GroupId")).GroupId, null, g["Description"]))
                .Concat(permission.Structs("IpRanges").Select(r => new IngressRule(protocol, from, to, null, r.Required("CidrIp"), r["Description"])))
                .ToList();
            if (rules.Count == 0)
            {
                throw new ApiException("MissingParameter", "Each permission needs a source group or an IP range.");
            }
            foreach (var rule in rules)
            {
                if (group.Ingress.Any(r => r with { Description = null } == rule with { Description = null }))
                {
                    throw new ApiException("InvalidPermission.Duplicate",
                        $"the specified rule \"peer: {rule.SourceGroupId ?? rule.Cidr}, {rule.Protocol.ToUpperInvariant()}, from port: {from}, to port: {to}, ALLOW\" already exists");
                }
                group.Ingress.Add(rule);
                added.Add((Ids.New("sgr"), rule));
            }
        }
        return Response("AuthorizeSecurityGroupIngress", requestId, E("return", "true"), Set("securityGroupRuleSet", added, a => [
            E("securityGroupRuleId", a.RuleId), E("groupId", group.GroupId), E("groupOwnerId", state.Options.AccountId),
            E("isEgress", "false"), E("ipProtocol", a.Rule.Protocol), E("fromPort", a.Rule.FromPort), E("toPort", a.Rule.ToPort),
            a.Rule.Cidr is null ? null : E("cidrIpv4", a.Rule.Cidr),
            a.Rule.SourceGroupId is null ? null : E("referencedGroupInfo", E("groupId", a.Rule.SourceGroupId), E("userId", state.Options.AccountId)),
            a.Rule.Description is null ? null : E("description", a.Rule.Description),
        ]));
    }

    private XElement DeleteSecurityGroup(QueryParams q, string requestId)
    {
        var group = FindGroup(q.Required("GroupId"));
        if (group.GroupName == "default")
        {
            throw new ApiException("CannotDelete", $"the specified group: \"{group.GroupId}\" name: \"default\" cannot be deleted by a user");
        }
        // EC2 refuses while an instance that is not yet terminated, or another group's rule, refers to the group.
        var inUse = state.Instances.Values.Any(i => i.State != "terminated" && i.SecurityGroupIds.Contains(group.GroupId)) ||
            state.SecurityGroups.Values.Any(g => g != group && g.Ingress.Any(r => r.SourceGroupId == group.GroupId));
        if (inUse)
        {
            throw new ApiException("DependencyViolation", $"resource {group.GroupId} has a dependent object");
        }
        state.SecurityGroups.Remove(group.GroupId);
        return Response("DeleteSecurityGroup", requestId, E("return", "true"), E("groupId", group.GroupId));
    }

    private XElement DescribeSecurityGroups(QueryParams q, string requestId)
    {
        var ids = q.List("GroupId");
        foreach (var id in ids)
        {
            FindGroup(id);
        }
        var filters = q.Filters();
        var groups = state.SecurityGroups.Values.Where(g => (ids.Count == 0 || ids.Contains(g.GroupId)) && Matches(filters, name => name switch
        {
            "group-id" => [g.GroupId],
            "group-name" => [g.GroupName],
            "vpc-id" => [g.VpcId],
            _ => null,
        }, g.Tags));
        return Response("DescribeSecurityGroups", requestId, Set("securityGroupInfo", groups, g => [
            E("ownerId", state.Options.AccountId), E("groupId", g.GroupId), E("groupName", g.GroupName),
            E("groupDescription", g.Description), E("vpcId", g.VpcId),
            Set("ipPermissions", g.Ingress.GroupBy(r => (r.Protocol, r.FromPort, r.ToPort)), p => [
                E("ipProtocol", p.Key.Protocol),
                p.Key.Protocol == "-1" ? null : E("fromPort", p.Key.FromPort),
                p.Key.Protocol == "-1" ? null : E("toPort", p.Key.ToPort),
                Set("groups", p.Where(r => r.SourceGroupId is not null), r => [E("groupId", r.SourceGroupId), E("userId", state.Options.AccountId), r.Description is null ? null : E("description", r.Description)]),
                Set("ipRanges", p.Where(r => r.Cidr is not null), r => [E("cidrIp", r.Cidr)]),
                E("ipv6Ranges"), E("prefixListIds"),
            ]),
            Set("ipPermissionsEgress", new[] { 0 }, _ => [E("ipProtocol", "-1"), E("groups"), Set("ipRanges", new[] { "0.0.0.0/0" }, c => [E("cidrIp", c)]), E("ipv6Ranges"), E("prefixListIds")]),
            TagSet(g.Tags),
        ]));
    }

    private XElement DescribeSubnets(QueryParams q, string requestId)
    {
        var ids = q.List("SubnetId");
        foreach (var id in ids)
        {
            FindSubnet(id);
        }
        var filters = q.Filters();
        var subnets = state.Subnets.Where(s => (ids.Count == 0 || ids.Contains(s.SubnetId)) && Matches(filters, name => name switch
        {
            "subnet-id" => [s.SubnetId],
            "vpc-id" => [s.VpcId],
            "availability-zone" => [s.AvailabilityZone],
            "default-for-az" => [Flag(s.DefaultForAz)],
            "state" => ["available"],
            _ => null,
        }, s.Tags));
        return Response("DescribeSubnets", requestId, Set("subnetSet", subnets, s => [
            E("subnetId", s.SubnetId), E("subnetArn", state.Arn("ec2", "subnet/" + s.SubnetId)), E("state", "available"),
            E("ownerId", state.Options.AccountId), E("vpcId", s.VpcId), E("cidrBlock", s.CidrBlock), E("ipv6CidrBlockAssociationSet"),
            E("availableIpAddressCount", 4091 - s.NextHost), E("availabilityZone", s.AvailabilityZone),
            E("availabilityZoneId", s.AvailabilityZoneId), E("defaultForAz", Flag(s.DefaultForAz)),
            E("mapPublicIpOnLaunch", Flag(s.DefaultForAz)), E("assignIpv6AddressOnCreation", "false"), TagSet(s.Tags),
        ]));
    }

    private XElement DescribeSpotPriceHistory(QueryParams q, string requestId)
    {
        var types = q.List("InstanceType");
        var products = q.List("ProductDescription");
        var zone = q["AvailabilityZone"];
        var start = q["StartTime"] is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
        var points = state.SpotPrices.Where(p =>
                (types.Count == 0 || types.Contains(p.InstanceType)) && (zone is null || p.AvailabilityZone == zone))
            .Where(p => products.Count == 0 || products.Any(d => d is "Linux/UNIX" or "Linux/UNIX (Amazon VPC)"))
            .GroupBy(p => (p.InstanceType, p.AvailabilityZone))
            // EC2 returns the prices in force from StartTime on, which includes the one in force at StartTime.
            .SelectMany(g => g.OrderByDescending(p => p.Timestamp).TakeWhile((p, i) => start is null || i == 0 || p.Timestamp >= start))
            .OrderByDescending(p => p.Timestamp).ToList();
        return Response("DescribeSpotPriceHistory", requestId, E("nextToken", ""), Set("spotPriceHistorySet", points, p => [
            E("instanceType", p.InstanceType), E("productDescription", "Linux/UNIX"),
            E("spotPrice", p.Price.ToString("0.000000", CultureInfo.InvariantCulture)), E("timestamp", Time(p.Timestamp)),
            E("availabilityZone", p.AvailabilityZone),
        ]));
    }

    private SecurityGroupRecord FindGroup(string id) =>
        state.SecurityGroups.TryGetValue(id, out var group)
            ? group
            : throw new ApiException("InvalidGroup.NotFound", $"The security group '{id}' does not exist");
}

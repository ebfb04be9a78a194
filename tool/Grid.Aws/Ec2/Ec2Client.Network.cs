using System.Globalization;
using Grid.Aws.Wire;

namespace Grid.Aws.Ec2;

/// <summary>Security groups, subnets and spot prices.</summary>
public sealed partial class Ec2Client
{
    public async Task<string> CreateSecurityGroupAsync(CreateSecurityGroupRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new QueryWriter("CreateSecurityGroup", ApiVersion)
            .Add("GroupName", request.GroupName)
            .Add("GroupDescription", request.Description)
            .Add("VpcId", request.VpcId);
        if (request.Tags.Count > 0)
        {
            AddTagSpecifications(query, "TagSpecification", [new TagSpecification("security-group", request.Tags)]);
        }
        var root = await SendAsync(query, cancellationToken);
        return root.RequiredText("groupId");
    }

    public async Task AuthorizeIngressFromGroupAsync(
        string groupId, int port, string sourceGroupId, string description, CancellationToken cancellationToken = default)
    {
        var query = new QueryWriter("AuthorizeSecurityGroupIngress", ApiVersion)
            .Add("GroupId", groupId)
            .Add("IpPermissions.1.IpProtocol", "tcp")
            .Add("IpPermissions.1.FromPort", port)
            .Add("IpPermissions.1.ToPort", port)
            .Add("IpPermissions.1.Groups.1.GroupId", sourceGroupId)
            .Add("IpPermissions.1.Groups.1.Description", description);
        await SendAsync(query, cancellationToken);
    }

    public async Task DeleteSecurityGroupAsync(string groupId, CancellationToken cancellationToken = default) =>
        await SendAsync(new QueryWriter("DeleteSecurityGroup", ApiVersion).Add("GroupId", groupId), cancellationToken);

    public Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsAsync(
        IReadOnlyList<string>? groupIds = null, IReadOnlyList<Filter>? filters = null, CancellationToken cancellationToken = default) =>
        PagesAsync("DescribeSecurityGroups", "securityGroupInfo", q => AddFilters(q.AddList("GroupId", groupIds), filters),
            item => new SecurityGroup(
                item.RequiredText("groupId"),
                item.Text("groupName") ?? "",
                item.Text("vpcId"),
                item.Items("ipPermissions").Select(p => new IngressRule(
                    p.Text("ipProtocol") ?? "",
                    p.Number("fromPort"),
                    p.Number("toPort"),
                    p.Items("groups").Select(g => g.Text("groupId") ?? "").ToList(),
                    p.Items("ipRanges").Select(r => r.Text("cidrIp") ?? "").ToList())).ToList(),
                Tags(item)),
            cancellationToken);

    public Task<IReadOnlyList<Subnet>> DescribeSubnetsAsync(
        IReadOnlyList<string>? subnetIds = null, IReadOnlyList<Filter>? filters = null, CancellationToken cancellationToken = default) =>
        PagesAsync("DescribeSubnets", "subnetSet", q => AddFilters(q.AddList("SubnetId", subnetIds), filters),
            item => new Subnet(
                item.RequiredText("subnetId"),
                item.Text("vpcId") ?? "",
                item.Text("availabilityZone") ?? "",
                item.Text("cidrBlock") ?? "",
                item.Flag("defaultForAz") ?? false,
                item.Number("availableIpAddressCount") ?? 0),
            cancellationToken);

    public Task<IReadOnlyList<SpotPrice>> DescribeSpotPriceHistoryAsync(
        IReadOnlyList<string> instanceTypes, DateTimeOffset startTime, string productDescription = "Linux/UNIX",
        CancellationToken cancellationToken = default) =>
        PagesAsync("DescribeSpotPriceHistory", "spotPriceHistorySet",
            q => q.AddList("InstanceType", instanceTypes).AddList("ProductDescription", [productDescription]).Add("StartTime", startTime),
            item => new SpotPrice(
                item.Text("instanceType") ?? "",
                item.Text("availabilityZone") ?? "",
                decimal.Parse(item.Text("spotPrice") ?? "0", CultureInfo.InvariantCulture),
                item.Time("timestamp") ?? default),
            cancellationToken);
}

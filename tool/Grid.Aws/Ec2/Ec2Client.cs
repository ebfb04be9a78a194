using System.Xml.Linq;
using Grid.Aws.Core;
using Grid.Aws.Wire;

namespace Grid.Aws.Ec2;

/// <summary>
/// EC2 over its query protocol (API version 2016-11-15): form-encoded POST, XML answers whose lists are
/// <c>&lt;...Set&gt;&lt;item&gt;</c>. This file holds the shared plumbing and the fleet calls; the rest are in
/// the Ec2Client.*.cs files by resource.
/// </summary>
public sealed partial class Ec2Client(AwsHttpCore core) : IEc2
{
    public const string ApiVersion = "2016-11-15";

    public async Task<CreateFleetResponse> CreateFleetAsync(CreateFleetRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new QueryWriter("CreateFleet", ApiVersion)
            .Add("ClientToken", request.ClientToken)
            .Add("Type", "instant");
        if (request.OnDemand)
        {
            query.Add("OnDemandOptions.AllocationStrategy", "lowest-price");
        }
        else
        {
            // Price-capacity-optimized picks the pools least likely to be interrupted among the cheap ones.
            query.Add("SpotOptions.AllocationStrategy", "price-capacity-optimized");
        }
        query.Add("LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateId", request.LaunchTemplateId)
            .Add("LaunchTemplateConfigs.1.LaunchTemplateSpecification.Version", "$Latest")
            .AddList("LaunchTemplateConfigs.1.Overrides", request.Overrides, (q, prefix, o) => q
                .Add(prefix + ".InstanceType", o.InstanceType)
                .Add(prefix + ".SubnetId", o.SubnetId)
                .Add(prefix + ".MaxPrice", o.MaxPrice?.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Add("TargetCapacitySpecification.TotalTargetCapacity", request.TargetCapacity)
            .Add("TargetCapacitySpecification.DefaultTargetCapacityType", request.OnDemand ? "on-demand" : "spot");
        AddTagSpecifications(query, "TagSpecification", request.TagSpecifications);

        var root = await SendAsync(query, cancellationToken);
        var instances = root.Items("fleetInstanceSet").Select(item => new FleetInstances(
            item.Text("instanceType") ?? Override(item, "instanceType") ?? "",
            Override(item, "subnetId"),
            item.Text("lifecycle") ?? "spot",
            item.Items("instanceIds").Select(i => i.Value).ToList())).ToList();
        var errors = root.Items("errorSet").Select(item => new FleetError(
            Override(item, "instanceType"),
            Override(item, "subnetId"),
            item.Text("lifecycle") ?? "spot",
            item.Text("errorCode") ?? "Unknown",
            item.Text("errorMessage") ?? "")).ToList();
        return new CreateFleetResponse(root.Text("fleetId") ?? "", instances, errors);
    }

    public async Task<IReadOnlyList<Fleet>> DescribeFleetsAsync(
        IReadOnlyList<string>? fleetIds = null, IReadOnlyList<Filter>? filters = null, CancellationToken cancellationToken = default)
    {
        return await PagesAsync("DescribeFleets", "fleetSet", q => AddFilters(q.AddList("FleetId", fleetIds), filters),
            item => new Fleet(
                item.RequiredText("fleetId"), item.Text("fleetState") ?? "", item.Text("type") ?? "",
                item.Text("clientToken"), Tags(item)), cancellationToken);
    }

    public async Task<DeleteFleetsResponse> DeleteFleetsAsync(
        IReadOnlyList<string> fleetIds, bool terminateInstances, CancellationToken cancellationToken = default)
    {
        var query = new QueryWriter("DeleteFleets", ApiVersion)
            .AddList("FleetId", fleetIds)
            .Add("TerminateInstances", terminateInstances);
        var root = await SendAsync(query, cancellationToken);
        return new DeleteFleetsResponse(
            root.Items("successfulFleetDeletionSet").Select(i => i.RequiredText("fleetId")).ToList(),
            root.Items("unsuccessfulFleetDeletionSet").Select(i => new FleetDeletionError(
                i.Text("fleetId") ?? "", i.Child("error")?.Text("code") ?? "Unknown", i.Child("error")?.Text("message") ?? "")).ToList());
    }

    private static string? Override(XElement item, string name) =>
        item.Child("launchTemplateAndOverrides")?.Child("overrides")?.Text(name);

    private Task<XElement> SendAsync(QueryWriter query, CancellationToken cancellationToken) =>
        QueryWire.SendAsync(core, AwsService.Ec2, query, query.Parameters[0].Value, cancellationToken);

    /// <summary>Runs a describe call page by page until no nextToken comes back.</summary>
    private async Task<IReadOnlyList<T>> PagesAsync<T>(
        string action, string listName, Action<QueryWriter> parameters, Func<XElement, T> read, CancellationToken cancellationToken)
    {
        var results = new List<T>();
        string? token = null;
        do
        {
            var query = new QueryWriter(action, ApiVersion);
            parameters(query);
            query.Add("NextToken", token);
            var root = await SendAsync(query, cancellationToken);
            results.AddRange(root.Items(listName).Select(read));
            token = root.Text("nextToken");
        }
        while (!string.IsNullOrEmpty(token));
        return results;
    }

    private static QueryWriter AddFilters(QueryWriter query, IReadOnlyList<Filter>? filters) =>
        query.AddList("Filter", filters, (q, prefix, f) => q.Add(prefix + ".Name", f.Name).AddList(prefix + ".Value", f.Values));

    private static void AddTagSpecifications(QueryWriter query, string name, IReadOnlyList<TagSpecification> specifications) =>
        query.AddList(name, specifications, (q, prefix, s) => q
            .Add(prefix + ".ResourceType", s.ResourceType)
            .AddList(prefix + ".Tag", s.Tags, (q2, tagPrefix, t) => q2.Add(tagPrefix + ".Key", t.Key).Add(tagPrefix + ".Value", t.Value)));

    private static List<Tag> Tags(XElement item) =>
        item.Items("tagSet").Select(t => new Tag(t.Text("key") ?? "", t.Text("value") ?? "")).ToList();
}

using System.Text;
using Grid.Aws.Wire;

namespace Grid.Aws.Ec2;

/// <summary>Launch templates and instances.</summary>
public sealed partial class Ec2Client
{
    public async Task<LaunchTemplate> CreateLaunchTemplateAsync(CreateLaunchTemplateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new QueryWriter("CreateLaunchTemplate", ApiVersion)
            .Add("LaunchTemplateName", request.Name)
            .Add("ClientToken", request.ClientToken)
            .Add("LaunchTemplateData.ImageId", request.ImageId)
            // Launch template user data travels base64-encoded (RunInstances' is encoded by the SDKs; this is not).
            .Add("LaunchTemplateData.UserData", Convert.ToBase64String(Encoding.UTF8.GetBytes(request.UserData)))
            .Add("LaunchTemplateData.IamInstanceProfile.Name", request.IamInstanceProfileName)
            // IMDSv2 only: a token is needed for every metadata read, which SSRF in the worker cannot get.
            .Add("LaunchTemplateData.MetadataOptions.HttpTokens", "required")
            .Add("LaunchTemplateData.MetadataOptions.HttpEndpoint", "enabled")
            // A worker that shuts itself down (the watchdog) must stop billing, not leave a stopped instance.
            .Add("LaunchTemplateData.InstanceInitiatedShutdownBehavior", "terminate")
            .AddList("LaunchTemplateData.SecurityGroupId", request.SecurityGroupIds);
        if (request.Tags.Count > 0)
        {
            AddTagSpecifications(query, "LaunchTemplateData.TagSpecification",
                [new TagSpecification("instance", request.Tags), new TagSpecification("volume", request.Tags)]);
            AddTagSpecifications(query, "TagSpecification", [new TagSpecification("launch-template", request.Tags)]);
        }
        var root = await SendAsync(query, cancellationToken);
        return ReadLaunchTemplate(root.Child("launchTemplate") ?? throw new FormatException("no launchTemplate"));
    }

    public async Task DeleteLaunchTemplateAsync(string launchTemplateId, CancellationToken cancellationToken = default) =>
        await SendAsync(new QueryWriter("DeleteLaunchTemplate", ApiVersion).Add("LaunchTemplateId", launchTemplateId), cancellationToken);

    public Task<IReadOnlyList<LaunchTemplate>> DescribeLaunchTemplatesAsync(
        IReadOnlyList<string>? ids = null, IReadOnlyList<string>? names = null, IReadOnlyList<Filter>? filters = null,
        CancellationToken cancellationToken = default) =>
        PagesAsync("DescribeLaunchTemplates", "launchTemplates",
            q => AddFilters(q.AddList("LaunchTemplateId", ids).AddList("LaunchTemplateName", names), filters),
            ReadLaunchTemplate, cancellationToken);

    public async Task<IReadOnlyList<Instance>> DescribeInstancesAsync(
        IReadOnlyList<string>? instanceIds = null, IReadOnlyList<Filter>? filters = null, CancellationToken cancellationToken = default)
    {
        var reservations = await PagesAsync("DescribeInstances", "reservationSet",
            q => AddFilters(q.AddList("InstanceId", instanceIds), filters),
            reservation => reservation.Items("instancesSet").Select(item => new Instance(
                item.RequiredText("instanceId"),
                item.Text("instanceType") ?? "",
                item.Child("instanceState")?.Text("name") ?? "",
                item.Text("subnetId"),
                item.Child("placement")?.Text("availabilityZone"),
                item.Text("privateIpAddress"),
                item.Text("instanceLifecycle"),
                item.Time("launchTime"),
                Tags(item),
                item.Text("reason") is { Length: > 0 } reason ? reason : null)).ToList(),
            cancellationToken);
        return reservations.SelectMany(r => r).ToList();
    }

    public async Task<IReadOnlyList<InstanceStateChange>> TerminateInstancesAsync(
        IReadOnlyList<string> instanceIds, CancellationToken cancellationToken = default)
    {
        var root = await SendAsync(new QueryWriter("TerminateInstances", ApiVersion).AddList("InstanceId", instanceIds), cancellationToken);
        return root.Items("instancesSet").Select(item => new InstanceStateChange(
            item.RequiredText("instanceId"),
            item.Child("previousState")?.Text("name") ?? "",
            item.Child("currentState")?.Text("name") ?? "")).ToList();
    }

    private static LaunchTemplate ReadLaunchTemplate(System.Xml.Linq.XElement item) => new(
        item.RequiredText("launchTemplateId"), item.Text("launchTemplateName") ?? "", item.BigNumber("latestVersionNumber") ?? 1, Tags(item));
}

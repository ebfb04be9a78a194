using System.Globalization;
using System.Text.RegularExpressions;

namespace Grid.Aws.Ec2;

public sealed record Tag(string Key, string Value);

/// <summary>A describe filter: <c>tag:grid:job</c>, <c>instance-state-name</c>, <c>vpc-id</c>, <c>default-for-az</c>.</summary>
public sealed record Filter(string Name, IReadOnlyList<string> Values)
{
    public static Filter Tag(string key, string value) => new($"tag:{key}", [value]);
}

/// <summary>Tags applied at creation; <paramref name="ResourceType"/> is <c>instance</c>, <c>fleet</c>, <c>volume</c>...</summary>
public sealed record TagSpecification(string ResourceType, IReadOnlyList<Tag> Tags);

/// <summary>
/// One capacity pool the fleet may use: an instance type in a subnet (so in one availability zone), and for spot
/// the most to pay per instance-hour (null: up to the on-demand price).
/// </summary>
public sealed record FleetOverride(string InstanceType, string SubnetId, decimal? MaxPrice = null);

/// <summary>
/// An instant fleet (one synchronous request, no maintained capacity) over one launch template, spot with
/// price-capacity-optimized allocation unless <paramref name="OnDemand"/>. <paramref name="ClientToken"/> makes a
/// retried request return the first one's fleet instead of launching twice.
/// </summary>
public sealed record CreateFleetRequest(
    string ClientToken, string LaunchTemplateId, IReadOnlyList<FleetOverride> Overrides, int TargetCapacity,
    IReadOnlyList<TagSpecification> TagSpecifications, bool OnDemand = false);

public sealed record FleetInstances(string InstanceType, string? SubnetId, string Lifecycle, IReadOnlyList<string> InstanceIds);

/// <summary>A pool the fleet could not launch in: <c>InsufficientInstanceCapacity</c>, <c>SpotMaxPriceTooLow</c>...</summary>
public sealed record FleetError(string? InstanceType, string? SubnetId, string Lifecycle, string ErrorCode, string ErrorMessage);

public sealed record CreateFleetResponse(string FleetId, IReadOnlyList<FleetInstances> Instances, IReadOnlyList<FleetError> Errors)
{
    public IEnumerable<string> InstanceIds => Instances.SelectMany(i => i.InstanceIds);
}

public sealed record Fleet(string FleetId, string FleetState, string Type, string? ClientToken, IReadOnlyList<Tag> Tags);

public sealed record FleetDeletionError(string FleetId, string Code, string Message);

public sealed record DeleteFleetsResponse(IReadOnlyList<string> Deleted, IReadOnlyList<FleetDeletionError> Failed);

/// <summary>
/// A launch template for workers. <paramref name="UserData"/> is the script text (base64 is added here);
/// IMDSv2 is always required and an instance that shuts itself down is terminated, never merely stopped.
/// </summary>
public sealed record CreateLaunchTemplateRequest(
    string Name, string ClientToken, string ImageId, string UserData, string? IamInstanceProfileName,
    IReadOnlyList<string> SecurityGroupIds, IReadOnlyList<Tag> Tags);

public sealed record LaunchTemplate(string LaunchTemplateId, string LaunchTemplateName, long LatestVersionNumber, IReadOnlyList<Tag> Tags);

/// <summary>
/// An instance as DescribeInstances gives it. <paramref name="Lifecycle"/> is <c>spot</c> (or <c>scheduled</c>), null
/// for on-demand. <paramref name="StateTransitionReason"/> is EC2's <c>reason</c>: after a stop or termination,
/// <c>User initiated (2026-11-21 06:19:19 GMT)</c> or <c>Service initiated (…)</c>; <see cref="TransitionTime"/> reads its time.
/// </summary>
public sealed partial record Instance(
    string InstanceId, string InstanceType, string State, string? SubnetId, string? AvailabilityZone,
    string? PrivateIpAddress, string? Lifecycle, DateTimeOffset? LaunchTime, IReadOnlyList<Tag> Tags,
    string? StateTransitionReason = null)
{
    public string? TagValue(string key) => Tags.FirstOrDefault(t => t.Key == key)?.Value;

    /// <summary>When the last stop or termination began, as <see cref="StateTransitionReason"/> states it (UTC); null when it states none.</summary>
    public DateTimeOffset? TransitionTime =>
        StateTransitionReason is { } reason && TransitionStamp().Match(reason) is { Success: true } match
        && DateTimeOffset.TryParseExact(match.Groups[1].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : null;

    [GeneratedRegex(@"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\)")]
    private static partial Regex TransitionStamp();
}

public sealed record InstanceStateChange(string InstanceId, string PreviousState, string CurrentState);

public sealed record CreateSecurityGroupRequest(string GroupName, string Description, string VpcId, IReadOnlyList<Tag> Tags);

public sealed record IngressRule(string Protocol, int? FromPort, int? ToPort, IReadOnlyList<string> SourceGroupIds, IReadOnlyList<string> Cidrs);

public sealed record SecurityGroup(string GroupId, string GroupName, string? VpcId, IReadOnlyList<IngressRule> Ingress, IReadOnlyList<Tag> Tags);

public sealed record Subnet(
    string SubnetId, string VpcId, string AvailabilityZone, string CidrBlock, bool DefaultForAz, int AvailableIpAddressCount);

public sealed record SpotPrice(string InstanceType, string AvailabilityZone, decimal Price, DateTimeOffset Timestamp);

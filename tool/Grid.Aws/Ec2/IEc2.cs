namespace Grid.Aws.Ec2;

/// <summary>
/// The EC2 calls Grid makes, and nothing more: spot workers from an instant fleet over a launch template, the
/// head's security group, and what <c>dotnet grid down</c> needs to find and delete. Describe calls follow
/// NextToken to the end.
/// </summary>
public interface IEc2
{
    Task<CreateFleetResponse> CreateFleetAsync(CreateFleetRequest request, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Fleet>> DescribeFleetsAsync(
        IReadOnlyList<string>? fleetIds = null, IReadOnlyList<Filter>? filters = null, CancellationToken cancellationToken = default);

    Task<DeleteFleetsResponse> DeleteFleetsAsync(
        IReadOnlyList<string> fleetIds, bool terminateInstances, CancellationToken cancellationToken = default);

    Task<LaunchTemplate> CreateLaunchTemplateAsync(CreateLaunchTemplateRequest request, CancellationToken cancellationToken = default);

    Task DeleteLaunchTemplateAsync(string launchTemplateId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<LaunchTemplate>> DescribeLaunchTemplatesAsync(
        IReadOnlyList<string>? ids = null, IReadOnlyList<string>? names = null, IReadOnlyList<Filter>? filters = null,
        CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Instance>> DescribeInstancesAsync(
        IReadOnlyList<string>? instanceIds = null, IReadOnlyList<Filter>? filters = null, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<InstanceStateChange>> TerminateInstancesAsync(
        IReadOnlyList<string> instanceIds, CancellationToken cancellationToken = default);

    /// <summary>Creates a security group in <paramref name="request"/>'s VPC; returns its id.</summary>
    Task<string> CreateSecurityGroupAsync(CreateSecurityGroupRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens <paramref name="port"/> (TCP) on <paramref name="groupId"/> to members of <paramref name="sourceGroupId"/>
    /// only. There is deliberately no CIDR variant: the head is never opened to 0.0.0.0/0.
    /// </summary>
    Task AuthorizeIngressFromGroupAsync(
        string groupId, int port, string sourceGroupId, string description, CancellationToken cancellationToken = default);

    Task DeleteSecurityGroupAsync(string groupId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SecurityGroup>> DescribeSecurityGroupsAsync(
        IReadOnlyList<string>? groupIds = null, IReadOnlyList<Filter>? filters = null, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Subnet>> DescribeSubnetsAsync(
        IReadOnlyList<string>? subnetIds = null, IReadOnlyList<Filter>? filters = null, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SpotPrice>> DescribeSpotPriceHistoryAsync(
        IReadOnlyList<string> instanceTypes, DateTimeOffset startTime, string productDescription = "Linux/UNIX",
        CancellationToken cancellationToken = default);
}

using System.Globalization;
using Grid.Aws.Core;
using Grid.Aws.Ec2;

namespace Grid.Tool.Cloud;

/// <summary>
/// The run's two security groups: the workers' (no inbound rules; workers only dial out) and the head's, which
/// admits the workers' group on the head's port and nothing else. A head running in the VPC joins the second;
/// nothing Grid creates is ever opened to 0.0.0.0/0.
/// </summary>
public static class SecurityGroups
{
    public sealed record Pair(string Workers, string Head);

    public static async Task<Pair> PrepareAsync(IEc2 ec2, CloudJob job, Action<string> log, CancellationToken cancellationToken)
    {
        var names = job.Names;
        string workers = await EnsureAsync(ec2, job, names.WorkerSecurityGroup, "Grid workers: outbound only", cancellationToken).ConfigureAwait(false);
        string head = await EnsureAsync(ec2, job, names.HeadSecurityGroup, "Grid head: the task port, from the workers only", cancellationToken).ConfigureAwait(false);
        string endpoint = job.RequireDial().Endpoint;
        int port = int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        try
        {
            await ec2.AuthorizeIngressFromGroupAsync(head, port, workers, $"Grid run {names.RunId}: workers to head", cancellationToken).ConfigureAwait(false);
        }
        catch (AwsException e) when (e.Code == "InvalidPermission.Duplicate")
        {
        }

        log($"created security groups {workers} (workers) and {head} (head: port {port} from the workers only)");
        return new Pair(workers, head);
    }

    /// <summary>Security groups have no client token: one that exists already (a retried call) is found by name.</summary>
    private static async Task<string> EnsureAsync(IEc2 ec2, CloudJob job, string name, string description, CancellationToken cancellationToken)
    {
        try
        {
            return await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest(name, description, job.VpcId, job.Names.Tags), cancellationToken).ConfigureAwait(false);
        }
        catch (AwsException e) when (e.Code == "InvalidGroup.Duplicate")
        {
            var existing = await ec2.DescribeSecurityGroupsAsync(filters: [new Filter("group-name", [name]), new Filter("vpc-id", [job.VpcId])], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (existing.Count != 1)
            {
                throw;
            }

            return existing[0].GroupId;
        }
    }
}

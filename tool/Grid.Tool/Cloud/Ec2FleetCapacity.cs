using System.Security.Cryptography;
using System.Text;
using Grid.Aws;
using Grid.Aws.Core;
using Grid.Aws.Ec2;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Cloud;

/// <summary>
/// Workers on EC2 spot instances: a security group for the workers (egress only) and one for the head that
/// admits the workers' group on the head's port and nothing else; a launch template (IMDSv2 required,
/// shutdown terminates, the boot script as user data, the instance profile that pulls the image); and for each
/// request an instant fleet with price-capacity-optimized allocation over every instance type in every
/// subnet. What spot refuses is asked of on-demand when the job allows it. Every request carries a client token
/// derived from the run and the request's number, so a retried call never launches twice.
/// </summary>
public sealed class Ec2FleetCapacity(AwsClients aws, CloudJob job, TimeProvider time, Action<string> log) : ICloudCapacity
{
    private readonly LaunchLedger _launched = new();
    private int _requests;
    private string? _launchTemplateId;

    public IReadOnlyList<LaunchedWorker> Launched => _launched.Snapshot();

    public string Describe(int workers) =>
        $"{workers} EC2 {(job.Spot ? "spot" : "on-demand")} worker{(workers == 1 ? "" : "s")} ({string.Join(", ", job.InstanceTypes)}) in {job.Region}";

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var groups = await SecurityGroups.PrepareAsync(aws.Ec2, job, log, cancellationToken).ConfigureAwait(false);
        var template = await aws.Ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest(
            job.Names.LaunchTemplate, Token("launch-template"), job.MachineImage, WorkerCommand.BootScript(job), job.InstanceProfile,
            [groups.Workers], job.Names.Tags), cancellationToken).ConfigureAwait(false);
        _launchTemplateId = template.LaunchTemplateId;
        log($"created launch template {template.LaunchTemplateId}");
    }

    public async Task RequestAsync(int count, CancellationToken cancellationToken)
    {
        string template = _launchTemplateId ?? throw new InvalidOperationException("PrepareAsync first");
        int request = Interlocked.Increment(ref _requests);
        var overrides = job.InstanceTypes.SelectMany(type => job.SubnetIds.Select(subnet => new FleetOverride(type, subnet, job.Spot ? job.MaxSpotPrice : null))).ToList();
        var tags = new[] { new TagSpecification("fleet", job.Names.Tags), new TagSpecification("instance", job.Names.Tags) };

        var first = await aws.Ec2.CreateFleetAsync(new CreateFleetRequest(Token($"fleet-{job.Generation}-{request}"), template, overrides, count, tags, OnDemand: !job.Spot), cancellationToken).ConfigureAwait(false);
        int launched = Record(first);
        var errors = first.Errors.ToList();
        if (launched < count && job.Spot && job.OnDemandFallback)
        {
            log($"spot capacity gave {launched} of {count} instances ({Summarize(first.Errors)}); asking on-demand for {count - launched}");
            var fallback = await aws.Ec2.CreateFleetAsync(new CreateFleetRequest(Token($"fleet-{job.Generation}-{request}-on-demand"), template,
                overrides.Select(o => o with { MaxPrice = null }).ToList(), count - launched, tags, OnDemand: true), cancellationToken).ConfigureAwait(false);
            launched += Record(fallback);
            errors.AddRange(fallback.Errors);
        }

        if (launched == 0)
        {
            throw new GridException(ErrorCodes.CapacityUnavailable,
                $"EC2 launched none of the {count} instances asked for: {Summarize(errors)}. Add instance types (GridInstanceTypes) or subnets, "
                + (job.Spot && !job.OnDemandFallback ? "allow on-demand fallback (GridOnDemandFallback=true), " : "")
                + "or try another region.", ExitCodes.RunAborted);
        }

        if (launched < count)
        {
            log($"EC2 launched {launched} of {count} instances ({Summarize(errors)})");
        }
    }

    public Task<TeardownReport> TearDownAsync(CancellationToken cancellationToken) =>
        new CloudTeardown(aws, time, log).RunAsync(job.Names.Job, job.Names.RunId, cancellationToken);

    private int Record(CreateFleetResponse response)
    {
        var now = time.GetUtcNow();
        _launched.Add(response.Instances.SelectMany(group => group.InstanceIds.Select(id => new LaunchedWorker(id, group.InstanceType, group.SubnetId, group.Lifecycle, now))));

        return response.InstanceIds.Count();
    }

    private static string Summarize(IReadOnlyCollection<FleetError> errors) => errors.Count == 0
        ? "no errors reported"
        : string.Join("; ", errors.GroupBy(e => e.ErrorCode).Select(g => $"{g.Key} for {string.Join(", ", g.Select(e => e.InstanceType).Distinct())}"));

    /// <summary>A client token (at most 64 characters) that is the same for the same run and purpose.</summary>
    private string Token(string purpose) =>
        "grid-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{job.Names.Job}/{job.Names.RunId}/{purpose}")))[..40];
}

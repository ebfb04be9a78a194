using Grid.Aws;
using Grid.Aws.Core;
using Grid.Aws.Ec2;

namespace Grid.Tool.Cloud;

/// <summary>What teardown found and deleted, per kind of resource, and what it could not delete.</summary>
public sealed class TeardownReport
{
    public SortedDictionary<string, int> Deleted { get; } = new(StringComparer.Ordinal);

    public List<string> Failures { get; } = [];

    public int Total => Deleted.Values.Sum();

    public void Count(string kind, int count = 1)
    {
        if (count > 0)
        {
            Deleted[kind] = Deleted.GetValueOrDefault(kind) + count;
        }
    }

    public override string ToString() => Deleted.Count == 0
        ? "nothing to delete"
        : string.Join(", ", Deleted.Select(d => $"{d.Value} {d.Key}"));
}

/// <summary>
/// Deletes everything tagged for a job (or one run of it): fleets and their instances, stray instances, launch
/// templates, security groups, and the Batch queue, compute environment and job definitions. It needs nothing
/// but the tags (and Batch names' prefix), so it works after the head was killed at any point; deleting what is
/// already gone is not an error, so it can run any number of times. Order matters: instances before the
/// security groups they use, queues before the environments they name.
/// </summary>
public sealed class CloudTeardown(AwsClients aws, TimeProvider time, Action<string> log)
{
    /// <summary>How long to wait for instances to terminate and Batch objects to disable before deleting what depends on them.</summary>
    public TimeSpan Patience { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Deletes the resources of <paramref name="job"/> (all its runs when <paramref name="runId"/> is null).</summary>
    public async Task<TeardownReport> RunAsync(string job, string? runId, CancellationToken cancellationToken)
    {
        var report = new TeardownReport();
        var filters = new List<Filter> { Filter.Tag(CloudNames.JobTag, job) };
        if (runId is not null)
        {
            filters.Add(Filter.Tag(CloudNames.RunTag, runId));
        }

        var names = new CloudNames(job, runId ?? "");
        string batchPrefix = runId is null ? names.JobPrefix : names.RunName;
        await TearDownBatchAsync(batchPrefix, job, runId, report, cancellationToken).ConfigureAwait(false);
        await TearDownEc2Async(filters, report, cancellationToken).ConfigureAwait(false);
        return report;
    }

    private async Task TearDownEc2Async(List<Filter> filters, TeardownReport report, CancellationToken cancellationToken)
    {
        var ec2 = aws.Ec2;
        var running = (await LiveInstancesAsync(filters, cancellationToken).ConfigureAwait(false))
            .Where(i => i.State is "pending" or "running" or "stopping" or "stopped").Select(i => i.InstanceId).ToList();
        report.Count("instances", running.Count);
        var fleets = (await ec2.DescribeFleetsAsync(filters: filters, cancellationToken: cancellationToken).ConfigureAwait(false))
            .Where(f => !f.FleetState.StartsWith("deleted", StringComparison.Ordinal)).Select(f => f.FleetId).ToList();
        foreach (var chunk in fleets.Chunk(25))
        {
            var deleted = await ec2.DeleteFleetsAsync(chunk, terminateInstances: true, cancellationToken).ConfigureAwait(false);
            report.Count("fleets", deleted.Deleted.Count);
            report.Failures.AddRange(deleted.Failed.Where(f => !f.Code.Contains("NotFound", StringComparison.Ordinal)).Select(f => $"fleet {f.FleetId}: {f.Code}: {f.Message}"));
        }

        // Instances outside a fleet's reach (or a fleet already deleted without them): terminate by tag.
        var live = await LiveInstancesAsync(filters, cancellationToken).ConfigureAwait(false);
        var toTerminate = live.Where(i => i.State is "pending" or "running" or "stopping" or "stopped").Select(i => i.InstanceId).ToList();
        foreach (var chunk in toTerminate.Chunk(500))
        {
            await Tolerate(() => ec2.TerminateInstancesAsync(chunk, cancellationToken), report, "instances").ConfigureAwait(false);
        }

        await WaitForAsync(async () => (await LiveInstancesAsync(filters, cancellationToken).ConfigureAwait(false)).Count == 0,
            "instances to terminate", report, cancellationToken).ConfigureAwait(false);

        foreach (var template in await ec2.DescribeLaunchTemplatesAsync(filters: filters, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (await Tolerate(() => ec2.DeleteLaunchTemplateAsync(template.LaunchTemplateId, cancellationToken), report, $"launch template {template.LaunchTemplateName}").ConfigureAwait(false))
            {
                report.Count("launch templates");
            }
        }

        // Groups may reference each other (the head's admits the workers'): a group refused for that is tried again
        // once the others are gone, until a round deletes nothing.
        var groups = (await ec2.DescribeSecurityGroupsAsync(filters: filters, cancellationToken: cancellationToken).ConfigureAwait(false)).ToList();
        var deadline = time.GetUtcNow() + Patience;
        while (groups.Count > 0)
        {
            var remaining = new List<SecurityGroup>();
            foreach (var group in groups.OrderBy(g => g.Ingress.Count == 0 ? 1 : 0))
            {
                try
                {
                    await ec2.DeleteSecurityGroupAsync(group.GroupId, cancellationToken).ConfigureAwait(false);
                    report.Count("security groups");
                }
                catch (AwsException e) when (e.Code == "InvalidGroup.NotFound")
                {
                }
                catch (AwsException e) when (e.Code == "DependencyViolation")
                {
                    remaining.Add(group);
                }
            }

            if (remaining.Count == groups.Count && time.GetUtcNow() > deadline)
            {
                report.Failures.AddRange(remaining.Select(g => $"security group {g.GroupId} ({g.GroupName}) is still in use"));
                break;
            }

            if (remaining.Count == groups.Count)
            {
                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
            }

            groups = remaining;
        }
    }

    private async Task<IReadOnlyList<Instance>> LiveInstancesAsync(List<Filter> filters, CancellationToken cancellationToken) =>
        await aws.Ec2.DescribeInstancesAsync(filters: [.. filters, new Filter("instance-state-name", ["pending", "running", "shutting-down", "stopping", "stopped"])],
            cancellationToken: cancellationToken).ConfigureAwait(false);

    private async Task TearDownBatchAsync(string prefix, string job, string? runId, TeardownReport report, CancellationToken cancellationToken)
    {
        var batch = aws.Batch;
        bool Ours(string name, IReadOnlyDictionary<string, string>? tags) =>
            name.StartsWith(prefix, StringComparison.Ordinal)
            && (tags is null || !tags.TryGetValue(CloudNames.JobTag, out var tagged) || tagged == job)
            && (runId is null || tags is null || !tags.TryGetValue(CloudNames.RunTag, out var run) || run == runId);

        var queues = (await batch.DescribeJobQueuesAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            .Where(q => Ours(q.JobQueueName, q.Tags) && q.Status != "DELETED").ToList();
        foreach (var queue in queues)
        {
            foreach (string status in new[] { "SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING" })
            {
                foreach (var running in await batch.ListJobsAsync(queue.JobQueueName, null, status, cancellationToken).ConfigureAwait(false))
                {
                    await Tolerate(() => batch.TerminateJobAsync(running.JobId, "dotnet grid down", cancellationToken), report, $"job {running.JobId}").ConfigureAwait(false);
                    report.Count("Batch jobs");
                }
            }
        }

        await RetireAsync("job queue", [.. queues.Select(q => new BatchObjectState(q.JobQueueName, q.State, q.Status))],
            async names => [.. (await batch.DescribeJobQueuesAsync(names, cancellationToken).ConfigureAwait(false)).Select(q => new BatchObjectState(q.JobQueueName, q.State, q.Status))],
            name => batch.UpdateJobQueueAsync(name, "DISABLED", cancellationToken), name => batch.DeleteJobQueueAsync(name, cancellationToken), report, cancellationToken).ConfigureAwait(false);

        // Deleting an environment terminates its container hosts: waiting for it means "nothing left" is nothing running.
        var environments = (await batch.DescribeComputeEnvironmentsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            .Where(e => Ours(e.ComputeEnvironmentName, e.Tags) && e.Status != "DELETED")
            .Select(e => new BatchObjectState(e.ComputeEnvironmentName, e.State, e.Status)).ToList();
        await RetireAsync("compute environment", environments,
            async names => [.. (await batch.DescribeComputeEnvironmentsAsync(names, cancellationToken).ConfigureAwait(false)).Select(e => new BatchObjectState(e.ComputeEnvironmentName, e.State, e.Status))],
            name => batch.UpdateComputeEnvironmentAsync(name, "DISABLED", cancellationToken: cancellationToken), name => batch.DeleteComputeEnvironmentAsync(name, cancellationToken), report, cancellationToken).ConfigureAwait(false);

        foreach (var definition in await batch.DescribeJobDefinitionsAsync(status: "ACTIVE", cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (Ours(definition.JobDefinitionName, definition.Tags)
                && await Tolerate(() => batch.DeregisterJobDefinitionAsync(definition.JobDefinitionArn, cancellationToken), report, $"job definition {definition.JobDefinitionName}").ConfigureAwait(false))
            {
                report.Count("job definitions");
            }
        }
    }

    /// <summary>A job queue's or compute environment's name, state (ENABLED, DISABLED) and status (CREATING, VALID, DELETING...).</summary>
    private sealed record BatchObjectState(string Name, string? State, string? Status);

    /// <summary>
    /// Batch's way to delete a queue or an environment: disable it, wait until it is disabled (its status settled),
    /// delete it, and wait until it is gone.
    /// </summary>
    private async Task RetireAsync(
        string kind, IReadOnlyList<BatchObjectState> objects, Func<IReadOnlyList<string>, Task<List<BatchObjectState>>> describe,
        Func<string, Task> disable, Func<string, Task> delete, TeardownReport report, CancellationToken cancellationToken)
    {
        if (objects.Count == 0)
        {
            return;
        }

        var names = objects.Select(o => o.Name).ToList();
        foreach (var enabled in objects.Where(o => o.State != "DISABLED"))
        {
            await Tolerate(() => disable(enabled.Name), report, $"{kind} {enabled.Name}").ConfigureAwait(false);
        }

        await WaitForAsync(async () => (await describe(names).ConfigureAwait(false)).All(o => o.Status is "VALID" or "INVALID" or "DELETED" && o.State == "DISABLED"),
            $"{kind}s to disable", report, cancellationToken).ConfigureAwait(false);
        foreach (string name in names)
        {
            if (await Tolerate(() => delete(name), report, $"{kind} {name}").ConfigureAwait(false))
            {
                report.Count($"{kind}s");
            }
        }

        await WaitForAsync(async () => (await describe(names).ConfigureAwait(false)).All(o => o.Status == "DELETED"),
            $"{kind}s to be deleted", report, cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitForAsync(Func<Task<bool>> done, string what, TeardownReport report, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + Patience;
        bool said = false;
        while (!await done().ConfigureAwait(false))
        {
            if (time.GetUtcNow() > deadline)
            {
                report.Failures.Add($"gave up waiting for {what} after {Patience.TotalMinutes:0} minutes");
                return;
            }

            if (!said)
            {
                log($"waiting for {what}...");
                said = true;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a delete; "already gone" is success, any other AWS error is recorded and teardown goes on.</summary>
    private static async Task<bool> Tolerate(Func<Task> delete, TeardownReport report, string what)
    {
        try
        {
            await delete().ConfigureAwait(false);
            return true;
        }
        catch (AwsException e) when (e.Code.Contains("NotFound", StringComparison.Ordinal) || e.ErrorMessage.Contains("does not exist", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        catch (AwsException e)
        {
            report.Failures.Add($"{what}: {e.Code}: {e.ErrorMessage}");
            return false;
        }
    }
}

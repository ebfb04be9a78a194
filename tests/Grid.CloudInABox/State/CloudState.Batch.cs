using System.Globalization;
using System.Text.Json.Nodes;

namespace Grid.CloudInABox.State;

/// <summary>
/// Batch's time-driven states and placement. A job (or array child) is RUNNABLE until a compute environment of its
/// queue, ENABLED and VALID, has the vCPUs for it (maxvCpus less what its running jobs hold); it then runs on that
/// environment's host instance, launched with its first job. An array parent follows its children as in Batch:
/// RUNNING once one runs, then SUCCEEDED when all succeeded, FAILED when all are done and one failed.
/// </summary>
public sealed partial class CloudState
{
    private void AdvanceBatch(DateTimeOffset now)
    {
        var batchStep = Options.BatchTransition;
        foreach (var batchObject in ComputeEnvironments.Values.Cast<BatchObject>().Concat(JobQueues.Values))
        {
            if (batchObject.Status is "CREATING" or "UPDATING" && now - batchObject.StatusSince >= batchStep)
            {
                batchObject.Status = "VALID";
                batchObject.StatusSince = now;
            }
        }
        foreach (var environment in ComputeEnvironments.Values.Where(e => e.Status == "DELETING" && now - e.StatusSince >= batchStep).ToList())
        {
            if (environment.HostInstanceId is { } host && Instances.TryGetValue(host, out var instance))
            {
                BeginTermination(instance, now, "Client.UserInitiatedShutdown", "the compute environment was deleted");
            }
            ComputeEnvironments.Remove(environment.Name);
        }
        foreach (var name in JobQueues.Values.Where(q => q.Status == "DELETING" && now - q.StatusSince >= batchStep).Select(q => q.Name).ToList())
        {
            JobQueues.Remove(name);
        }

        foreach (var job in Jobs.Values.SelectMany(j => j.Children.Prepend(j)).OrderBy(j => j.CreatedAt))
        {
            if (job.Status is "SUBMITTED" or "PENDING" && now - job.StatusSince >= batchStep)
            {
                job.Status = "RUNNABLE";
                job.StatusSince = now;
            }
            if (job.Status == "RUNNING" && job.HostInstanceId is { } host && Instances.GetValueOrDefault(host)?.State is "shutting-down" or "terminated")
            {
                EndJob(job, "FAILED", $"Host EC2 (instance {host}) terminated.", now);
            }
            // With a runtime that runs jobs, a runnable job (or array child) starts when there is room for it;
            // otherwise it waits, as a job does on a compute environment that has no capacity.
            if (job.Status == "RUNNABLE" && Options.Runtime.RunsBatchJobs && job.ArraySize is null && !job.Started &&
                Place(job) is { } environment)
            {
                Start(job, environment, now);
            }
        }
        foreach (var parent in Jobs.Values.Where(j => j.ArraySize is not null && !j.IsDone))
        {
            FollowChildren(parent, now);
        }
    }

    /// <summary>Ends a job and its children that are not done yet, stopping what runs for them.</summary>
    public void EndJob(JobRecord job, string status, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        foreach (var one in job.Children.Prepend(job).Where(j => !j.IsDone))
        {
            one.Status = status;
            one.StatusReason = reason;
            one.StatusSince = now;
            one.StoppedAt = now;
            if (one.Started)
            {
                var id = one.JobId;
                RuntimeCalls.Enqueue((runtime, token) => runtime.StopAsync(id, reason, token));
            }
        }
    }

    /// <summary>A job's container exited by itself: SUCCEEDED on 0, FAILED otherwise. Takes the lock.</summary>
    public void JobExited(string jobId, int exitCode)
    {
        lock (Gate)
        {
            var now = Options.Time.GetUtcNow();
            var parentId = jobId.Split(':')[0];
            var job = Jobs.TryGetValue(parentId, out var parent) ? parent.Children.Prepend(parent).FirstOrDefault(j => j.JobId == jobId) : null;
            if (job is null || job.IsDone || !job.Started)
            {
                return;
            }
            job.ExitCode = exitCode;
            job.Status = exitCode == 0 ? "SUCCEEDED" : "FAILED";
            job.StatusReason = "Essential container in task exited";
            job.StatusSince = now;
            job.StoppedAt = now;
            Advance(now);
        }
    }

    private ComputeEnvironmentRecord? Place(JobRecord job)
    {
        var queue = JobQueues.Values.FirstOrDefault(q => q.Arn == job.JobQueueArn);
        if (queue is not { State: "ENABLED", Status: "VALID" or "UPDATING" })
        {
            return null;
        }
        var needed = VCpus(job);
        foreach (var (_, arn) in queue.ComputeEnvironmentOrder.OrderBy(o => o.Order))
        {
            var environment = ComputeEnvironments.Values.FirstOrDefault(e => e.Arn == arn);
            if (environment is not { State: "ENABLED", Status: "VALID" or "UPDATING" })
            {
                continue;
            }
            var max = environment.ComputeResources["maxvCpus"]?.GetValue<int>() ?? int.MaxValue;
            var used = Jobs.Values.SelectMany(j => j.Children.Prepend(j))
                .Where(j => j.Status == "RUNNING" && j.ArraySize is null && j.ComputeEnvironment == environment.Name).Sum(VCpus);
            if (used + needed <= max)
            {
                return environment;
            }
        }
        return null;
    }

    private void Start(JobRecord job, ComputeEnvironmentRecord environment, DateTimeOffset now)
    {
        var host = Host(environment, now);
        job.Started = true;
        job.Status = "RUNNING";
        job.StatusSince = now;
        job.StartedAt = now;
        job.ComputeEnvironment = environment.Name;
        job.HostInstanceId = host.InstanceId;

        var definition = JobDefinitions.First(d => d.Arn == job.JobDefinitionArn);
        var container = definition.ContainerProperties ?? [];
        // The job definition's environment, then the job's (containerOverrides, AWS_BATCH_JOB_ID, the array index).
        var variables = WorkloadEnvironment(host.InstanceId);
        foreach (var variable in container["environment"] as JsonArray ?? [])
        {
            variables[variable!["name"]!.GetValue<string>()] = variable["value"]?.GetValue<string>() ?? "";
        }
        foreach (var (name, value) in job.Environment)
        {
            variables[name] = value;
        }
        variables["AWS_BATCH_CE_NAME"] = environment.Name;
        variables["AWS_BATCH_JQ_NAME"] = JobQueues.Values.First(q => q.Arn == job.JobQueueArn).Name;
        variables["AWS_BATCH_JOB_ATTEMPT"] = "1";
        var command = job.Command ?? (container["command"] as JsonArray ?? []).Select(c => c!.GetValue<string>()).ToList();

        var id = job.JobId;
        var start = new WorkloadStart(WorkloadStart.BatchJobKind, id, host.InstanceType, null, JobImage(job), job.Tags, variables)
        {
            Command = command,
            Exited = exitCode => JobExited(id, exitCode),
        };
        RuntimeCalls.Enqueue((runtime, token) => runtime.StartAsync(start, token));
    }

    /// <summary>
    /// The environment's host instance, launched (already running: Batch starts jobs on it) on first use, and
    /// again when the last one is gone or has a spot interruption notice (ECS drains such a host: no new jobs).
    /// </summary>
    private InstanceRecord Host(ComputeEnvironmentRecord environment, DateTimeOffset now)
    {
        if (environment.HostInstanceId is { } id && Instances.TryGetValue(id, out var existing) && existing.State is "pending" or "running"
            && existing.InterruptionAt is null)
        {
            return existing;
        }
        var resources = environment.ComputeResources;
        var subnetId = (resources["subnets"] as JsonArray)?.FirstOrDefault()?.GetValue<string>();
        var subnet = Subnets.FirstOrDefault(s => s.SubnetId == subnetId) ?? Subnets.First(s => s.DefaultForAz);
        var type = (resources["instanceTypes"] as JsonArray)?.FirstOrDefault()?.GetValue<string>() is { } t && t.Contains('.', StringComparison.Ordinal) ? t : "m5.large";
        var host = subnet.NextHost++;
        var octets = subnet.CidrBlock.Split('/')[0].Split('.');
        var instance = new InstanceRecord
        {
            InstanceId = Ids.New("i"),
            InstanceType = type,
            ImageId = "ami-0123456789abcdef0",
            Subnet = subnet,
            PrivateIpAddress = $"{octets[0]}.{octets[1]}.{int.Parse(octets[2], CultureInfo.InvariantCulture) + host / 256}.{host % 256}",
            LaunchTime = now,
            StateSince = now,
            State = "running",
            Started = true,
            Lifecycle = resources["type"]?.GetValue<string>() == "SPOT" ? "spot" : "on-demand",
            ShutdownBehavior = "terminate",
            ComputeEnvironment = environment.Name,
            SecurityGroupIds = [SecurityGroups.Values.First(g => g.VpcId == subnet.VpcId && g.GroupName == "default").GroupId],
        };
        instance.Tags["aws:batch:compute-environment"] = environment.Name;
        Instances[instance.InstanceId] = instance;
        environment.HostInstanceId = instance.InstanceId;
        return instance;
    }

    private static void FollowChildren(JobRecord parent, DateTimeOffset now)
    {
        if (parent.Children.All(c => c.IsDone))
        {
            var failed = parent.Children.Count(c => c.Status == "FAILED");
            parent.Status = failed == 0 ? "SUCCEEDED" : "FAILED";
            parent.StatusReason = failed == 0 ? null : $"{failed} of {parent.Children.Count} child jobs failed";
            parent.StatusSince = now;
            parent.StoppedAt = now;
        }
        else if (parent.Status != "RUNNING" && parent.Children.Any(c => c.Started))
        {
            parent.Status = "RUNNING";
            parent.StatusSince = now;
            parent.StartedAt = parent.Children.Where(c => c.StartedAt is not null).Min(c => c.StartedAt);
        }
    }

    /// <summary>The vCPUs a job asks for: its definition's VCPU requirement (or legacy vcpus), 1 when it names none.</summary>
    private int VCpus(JobRecord job)
    {
        var container = JobDefinitions.FirstOrDefault(d => d.Arn == job.JobDefinitionArn)?.ContainerProperties;
        var requirement = (container?["resourceRequirements"] as JsonArray ?? [])
            .FirstOrDefault(r => r?["type"]?.GetValue<string>() == "VCPU")?["value"]?.GetValue<string>();
        if (double.TryParse(requirement, NumberStyles.Float, CultureInfo.InvariantCulture, out var vcpus))
        {
            return Math.Max(1, (int)Math.Ceiling(vcpus));
        }
        return container?["vcpus"]?.GetValue<int>() is { } legacy and > 0 ? legacy : 1;
    }

    private string? JobImage(JobRecord job) =>
        JobDefinitions.FirstOrDefault(d => d.Arn == job.JobDefinitionArn)?.ContainerProperties?["image"]?.GetValue<string>();
}

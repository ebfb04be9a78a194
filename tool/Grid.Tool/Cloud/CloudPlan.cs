namespace Grid.Tool.Cloud;

/// <summary>
/// Every resource a cloud run creates, in order, derived from the job alone: what `--dry-run` prints before
/// anything exists, and what cloud.json records.
/// </summary>
public static class CloudPlan
{
    public static IReadOnlyList<PlannedResource> Resources(CloudJob job)
    {
        var names = job.Names;
        List<PlannedResource> resources =
        [
            new("security group", names.WorkerSecurityGroup, $"workers' group in {job.VpcId}: no inbound rules"),
            new("security group", names.HeadSecurityGroup, "head's group: TCP to the head's port from the workers' group only"),
        ];
        if (job.Backend == CloudBackend.Batch)
        {
            resources.AddRange(
            [
                new("compute environment", names.ComputeEnvironment, $"managed {(job.Spot ? "SPOT, SPOT_PRICE_CAPACITY_OPTIMIZED" : "EC2")}, 0–{job.Workers * job.Vcpus} vCPUs over {string.Join(", ", job.InstanceTypes)}; instance role {job.InstanceProfile ?? "ecsInstanceRole"}"),
                new("job queue", names.JobQueue, $"on {names.ComputeEnvironment}"),
                new("job definition", names.JobDefinition, $"{job.Image}; {job.Vcpus} vCPU, {job.MemoryMiB} MiB"),
                new("array job", names.RunName, $"{job.Workers} workers"),
            ]);
        }
        else
        {
            resources.AddRange(
            [
                new("launch template", names.LaunchTemplate, $"{job.MachineImage}; IMDSv2 required; shutdown terminates; instance profile {job.InstanceProfile ?? "(none)"}"),
                new("fleet", $"{names.RunName} (instant)", $"{job.Workers} × {(job.Spot ? "spot" : "on-demand")}, price-capacity-optimized over {job.InstanceTypes.Count} types × {job.SubnetIds.Count} subnets"
                    + (job.Spot && job.OnDemandFallback ? "; on-demand for what spot refuses" : "")
                    + (job.MaxSpotPrice is { } max ? $"; at most ${max}/h" : "")),
                new("instances", $"{job.Workers} × {string.Join(" | ", job.InstanceTypes)}", $"tagged {CloudNames.JobTag}={names.Job}, {CloudNames.RunTag}={names.RunId}"),
            ]);
        }

        return resources;
    }
}

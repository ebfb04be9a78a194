namespace Grid.CloudInABox.State;

public sealed partial class CloudState
{
    /// <summary>Moves every time-driven state on to <paramref name="now"/>. Call under <see cref="Gate"/>.</summary>
    public void Advance(DateTimeOffset now)
    {
        var instanceStep = Options.InstanceTransition;
        foreach (var instance in Instances.Values)
        {
            if (instance.InterruptionAt is { } at && now >= at && instance.State is "pending" or "running")
            {
                BeginTermination(instance, now, "Server.SpotInstanceTermination", "Server.SpotInstanceTermination: Spot instance termination");
            }
            if (instance.State == "pending" && now - instance.StateSince >= instanceStep)
            {
                instance.State = "running";
                instance.StateSince = now;
                if (!instance.Started)
                {
                    instance.Started = true;
                    var start = InstanceStart(instance);
                    RuntimeCalls.Enqueue((runtime, token) => runtime.StartAsync(start, token));
                }
            }
            else if (instance.State == "shutting-down" && now - instance.StateSince >= instanceStep)
            {
                instance.State = "terminated";
                instance.StateSince = now;
            }
        }

        var batchStep = Options.BatchTransition;
        foreach (var batchObject in ComputeEnvironments.Values.Cast<BatchObject>().Concat(JobQueues.Values))
        {
            if (batchObject.Status is "CREATING" or "UPDATING" && now - batchObject.StatusSince >= batchStep)
            {
                batchObject.Status = "VALID";
                batchObject.StatusSince = now;
            }
        }
        foreach (var name in ComputeEnvironments.Values.Where(e => e.Status == "DELETING" && now - e.StatusSince >= batchStep).Select(e => e.Name).ToList())
        {
            ComputeEnvironments.Remove(name);
        }
        foreach (var name in JobQueues.Values.Where(q => q.Status == "DELETING" && now - q.StatusSince >= batchStep).Select(q => q.Name).ToList())
        {
            JobQueues.Remove(name);
        }

        foreach (var job in Jobs.Values.SelectMany(j => j.Children.Prepend(j)))
        {
            if (job.Status is "SUBMITTED" or "PENDING" && now - job.StatusSince >= batchStep)
            {
                job.Status = "RUNNABLE";
                job.StatusSince = now;
            }
            // With a runtime that runs jobs, a runnable job (or array child) starts; otherwise it waits, as a
            // job does on a compute environment that has no capacity.
            if (job.Status == "RUNNABLE" && Options.Runtime.RunsBatchJobs && job.ArraySize is null && !job.Started)
            {
                job.Started = true;
                job.Status = "RUNNING";
                job.StartedAt = now;
                var start = new WorkloadStart("batch-job", job.JobId, null, null, JobImage(job), job.Tags,
                    job.Environment.ToDictionary(kv => kv.Key, kv => kv.Value));
                RuntimeCalls.Enqueue((runtime, token) => runtime.StartAsync(start, token));
            }
        }
    }

    /// <summary>Sends an instance to shutting-down (then terminated) and tells the runtime to stop it.</summary>
    public void BeginTermination(InstanceRecord instance, DateTimeOffset now, string reasonCode, string reason)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (instance.State is "shutting-down" or "terminated")
        {
            return;
        }
        instance.State = "shutting-down";
        instance.StateSince = now;
        instance.StateReason = reasonCode;
        var id = instance.InstanceId;
        RuntimeCalls.Enqueue((runtime, token) => runtime.StopAsync(id, reason, token));
    }

    private WorkloadStart InstanceStart(InstanceRecord instance)
    {
        var environment = new Dictionary<string, string>
        {
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = $"{ImdsBase}{instance.InstanceId}/",
            ["GRID_IMDS_ENDPOINT"] = $"{ImdsBase}{instance.InstanceId}/",
            ["AWS_REGION"] = Options.Region,
        };
        return new WorkloadStart("instance", instance.InstanceId, instance.InstanceType, instance.UserData, null,
            new Dictionary<string, string>(instance.Tags), environment);
    }

    private string? JobImage(JobRecord job) =>
        JobDefinitions.FirstOrDefault(d => d.Arn == job.JobDefinitionArn)?.ContainerProperties?["image"]?.GetValue<string>();

    /// <summary>The emulator's base URL + "imds/": set once the server listens.</summary>
    public string ImdsBase { get; set; } = "http://127.0.0.1/imds/";
}

using Grid.CloudInABox.State;

namespace Grid.CloudInABox;

/// <summary>
/// The seam between the emulator's records and whatever runs for them. The emulator calls it (outside its state
/// lock, on its clock loop) when an instance reaches <c>running</c>, when it leaves it (terminated, reclaimed,
/// its fleet deleted), and likewise for each child of a Batch array job that a compute environment places.
/// An implementation that starts a worker process (or a podman container) gives it the environment in
/// <see cref="WorkloadStart.Environment"/>: AWS_EC2_METADATA_SERVICE_ENDPOINT pointing at the instance's own
/// IMDS path, the AWS endpoint and keys, and the launch template's user data decoded.
/// </summary>
public interface IWorkloadRuntime
{
    /// <summary>True when Batch jobs should go on to STARTING and RUNNING (someone runs them).</summary>
    bool RunsBatchJobs { get; }

    Task StartAsync(WorkloadStart start, CancellationToken cancellationToken);

    /// <summary>Stops what <see cref="StartAsync"/> started for <paramref name="id"/>; safe to call for unknown ids.</summary>
    Task StopAsync(string id, string reason, CancellationToken cancellationToken);
}

/// <summary>What is starting: an EC2 instance (<paramref name="Kind"/> "instance") or a Batch job ("batch-job").</summary>
public sealed record WorkloadStart(
    string Kind, string Id, string? InstanceType, string? UserData, string? Image, IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>The default: instances and jobs are records only; nothing runs.</summary>
public sealed class RecordsOnlyRuntime : IWorkloadRuntime
{
    public bool RunsBatchJobs => false;

    public Task StartAsync(WorkloadStart start, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(string id, string reason, CancellationToken cancellationToken) => Task.CompletedTask;
}

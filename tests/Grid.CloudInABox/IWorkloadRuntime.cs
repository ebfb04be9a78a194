namespace Grid.CloudInABox;

/// <summary>
/// The seam between the emulator's records and whatever runs for them. The emulator calls it (outside its state
/// lock, on its clock loop) when an instance reaches <c>running</c>, when it leaves it (terminated, reclaimed,
/// its fleet deleted), and likewise for each Batch job or array child that a compute environment places.
/// An implementation that starts a worker process (or a podman container) gives it the environment in
/// <see cref="WorkloadStart.Environment"/>: AWS_EC2_METADATA_SERVICE_ENDPOINT pointing at the instance's own
/// IMDS path, the AWS endpoint and keys, and the launch template's user data decoded. When what it started ends
/// by itself it calls <see cref="WorkloadStart.Exited"/>: the instance shuts down, the job succeeds or fails.
/// </summary>
public interface IWorkloadRuntime
{
    /// <summary>True when Batch jobs should go on to STARTING and RUNNING (someone runs them).</summary>
    bool RunsBatchJobs { get; }

    /// <summary>Starts the workload and returns once it is started (not when it ends).</summary>
    Task StartAsync(WorkloadStart start, CancellationToken cancellationToken);

    /// <summary>Stops what <see cref="StartAsync"/> started for <paramref name="id"/>; safe to call for unknown ids.</summary>
    Task StopAsync(string id, string reason, CancellationToken cancellationToken);

    /// <summary>Stops everything still running and waits until it is gone: the emulator is shutting down.</summary>
    Task StopAllAsync(CancellationToken cancellationToken);
}

/// <summary>
/// What is starting: an EC2 instance (<paramref name="Kind"/> "instance", with its <paramref name="UserData"/>) or a
/// Batch job ("batch-job", with its <paramref name="Image"/> and <paramref name="Command"/>).
/// </summary>
public sealed record WorkloadStart(
    string Kind, string Id, string? InstanceType, string? UserData, string? Image, IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, string> Environment)
{
    public const string InstanceKind = "instance";
    public const string BatchJobKind = "batch-job";

    /// <summary>The container's command (Batch: the job definition's, or the submit call's override); empty for the image's own.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>
    /// Called by the runtime, from any thread, when the workload ends by itself with an exit code: the script of an
    /// instance (which then shuts down) or a job's container (SUCCEEDED on 0, FAILED otherwise). Calling it after a
    /// stop the emulator asked for is harmless.
    /// </summary>
    public Action<int> Exited { get; init; } = static _ => { };
}

/// <summary>The default: instances and jobs are records only; nothing runs.</summary>
public sealed class RecordsOnlyRuntime : IWorkloadRuntime
{
    public bool RunsBatchJobs => false;

    public Task StartAsync(WorkloadStart start, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(string id, string reason, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAllAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

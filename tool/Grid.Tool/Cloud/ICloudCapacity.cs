using Grid.Tool.Backends;

namespace Grid.Tool.Cloud;

/// <summary>One resource a cloud run creates, as the dry run lists it and the run's cloud.json records it.</summary>
public sealed record PlannedResource(string Kind, string Name, string Detail);

/// <summary>
/// An instance (or Batch job) the backend asked for and was given, when it asked. What the run was billed for is
/// read back from EC2 at teardown (<see cref="InstanceUsage"/>).
/// </summary>
public sealed record LaunchedWorker(string Id, string? InstanceType, string? SubnetId, string Lifecycle, DateTimeOffset RequestedAt);

/// <summary>
/// A cloud backend: the resources it needs before workers can start (prepared once, torn down at the end, and
/// found by tags by <c>dotnet grid down</c> if the head never gets to it), and capacity on request.
/// </summary>
public interface ICloudCapacity : IWorkerCapacity
{
    /// <summary>Creates the shared resources (security groups, launch template; Batch environment, queue, definition).</summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Everything launched so far.</summary>
    IReadOnlyList<LaunchedWorker> Launched { get; }

    /// <summary>Deletes everything the run created; safe to call more than once.</summary>
    Task<TeardownReport> TearDownAsync(CancellationToken cancellationToken);
}

/// <summary>What a backend launched, readable from any thread while requests add to it.</summary>
public sealed class LaunchLedger
{
    private readonly List<LaunchedWorker> _launched = [];

    public IReadOnlyList<LaunchedWorker> Snapshot()
    {
        lock (_launched)
        {
            return [.. _launched];
        }
    }

    public void Add(IEnumerable<LaunchedWorker> workers)
    {
        lock (_launched)
        {
            _launched.AddRange(workers);
        }
    }
}

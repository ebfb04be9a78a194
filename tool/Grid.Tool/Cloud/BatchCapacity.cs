using Grid.Aws;
using Grid.Aws.Batch;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Cloud;

/// <summary>
/// Workers as an AWS Batch array job: a managed SPOT compute environment (SPOT_PRICE_CAPACITY_OPTIMIZED over the
/// job's instance types and subnets, in the workers' security group), a job queue on it, and a job definition
/// whose container is the job's image started as a worker. Batch places the containers; the head schedules
/// the tasks onto whichever dial in. Each request is one array job (or a single job for one worker).
/// </summary>
public sealed class BatchCapacity(AwsClients aws, CloudJob job, TimeProvider time, Action<string> log) : ICloudCapacity
{
    private readonly LaunchLedger _launched = new();
    private int _requests;
    private string? _definitionArn;

    /// <summary>How long an environment or queue may take to become VALID.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public IReadOnlyList<LaunchedWorker> Launched => _launched.Snapshot();

    public string Describe(int workers) =>
        $"{workers} AWS Batch {(job.Spot ? "spot" : "on-demand")} worker{(workers == 1 ? "" : "s")} ({string.Join(", ", job.InstanceTypes)}) in {job.Region}";

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var names = job.Names;
        var groups = await SecurityGroups.PrepareAsync(aws.Ec2, job, log, cancellationToken).ConfigureAwait(false);
        var tags = names.TagMap;
        await AlreadyThereIsFine(() => aws.Batch.CreateComputeEnvironmentAsync(new CreateComputeEnvironmentRequest(
            names.ComputeEnvironment, job.Workers * job.Vcpus, job.InstanceTypes, job.SubnetIds, [groups.Workers],
            job.InstanceProfile ?? "ecsInstanceRole", tags), cancellationToken)).ConfigureAwait(false);
        await WaitValidAsync("compute environment", names.ComputeEnvironment, async () =>
        {
            var found = await aws.Batch.DescribeComputeEnvironmentsAsync([names.ComputeEnvironment], cancellationToken).ConfigureAwait(false);
            return found.Count == 0 ? (null, null) : (found[0].Status, found[0].StatusReason);
        }, cancellationToken).ConfigureAwait(false);

        await AlreadyThereIsFine(() => aws.Batch.CreateJobQueueAsync(names.JobQueue, 1, [names.ComputeEnvironment], tags, cancellationToken)).ConfigureAwait(false);
        await WaitValidAsync("job queue", names.JobQueue, async () =>
        {
            var found = await aws.Batch.DescribeJobQueuesAsync([names.JobQueue], cancellationToken).ConfigureAwait(false);
            return found.Count == 0 ? (null, null) : (found[0].Status, found[0].StatusReason);
        }, cancellationToken).ConfigureAwait(false);

        var definition = await aws.Batch.RegisterJobDefinitionAsync(new RegisterJobDefinitionRequest(
            names.JobDefinition, job.Image, job.Vcpus, job.MemoryMiB, WorkerCommand.Arguments(job), WorkerCommand.Environment(job),
            JobRoleArn: null, AttemptDurationSeconds: null, tags), cancellationToken).ConfigureAwait(false);
        _definitionArn = definition.JobDefinitionArn;
        log($"created compute environment, job queue and job definition {names.JobDefinition}:{definition.Revision}");
    }

    public async Task RequestAsync(int count, CancellationToken cancellationToken)
    {
        string definition = _definitionArn ?? throw new InvalidOperationException("PrepareAsync first");
        int request = Interlocked.Increment(ref _requests);
        var submitted = await aws.Batch.SubmitJobAsync(new SubmitJobRequest(
            $"{job.Names.RunName}-{job.Generation}-{request}", job.Names.JobQueue, definition, count >= 2 ? count : null,
            new Dictionary<string, string>(), job.Names.TagMap), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        _launched.Add(Enumerable.Range(0, count).Select(i => new LaunchedWorker(count >= 2 ? $"{submitted.JobId}:{i}" : submitted.JobId, null, null, job.Spot ? "spot" : "on-demand", now)));
    }

    public Task<TeardownReport> TearDownAsync(CancellationToken cancellationToken) =>
        new CloudTeardown(aws, time, log).RunAsync(job.Names.Job, job.Names.RunId, cancellationToken);

    /// <summary>A resumed head finds the environment and queue its predecessor made: Batch names are unique.</summary>
    private static async Task AlreadyThereIsFine(Func<Task> create)
    {
        try
        {
            await create().ConfigureAwait(false);
        }
        catch (Grid.Aws.Core.AwsException e) when (e.ErrorMessage.Contains("already exists", StringComparison.OrdinalIgnoreCase))
        {
        }
    }

    private async Task WaitValidAsync(string kind, string name, Func<Task<(string? Status, string? Reason)>> describe, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + ReadyTimeout;
        while (true)
        {
            var (status, reason) = await describe().ConfigureAwait(false);
            if (status == "VALID")
            {
                return;
            }

            if (status == "INVALID" || time.GetUtcNow() > deadline)
            {
                throw new GridException(ErrorCodes.BatchNotValid,
                    $"the Batch {kind} {name} is {status ?? "missing"}{(reason is null ? "" : $": {reason}")}. Check the instance role, subnets and instance types, then `dotnet grid down` and run again.",
                    ExitCodes.RunAborted);
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}

using System.Globalization;
using System.Text.Json;
using Grid.Aws;
using Grid.Aws.Core;
using Grid.Aws.Ecr;
using Grid.Registry;
using Grid.Tool.Backends;
using Grid.Tool.Diagnostics;
using Grid.Tool.Manifest;

namespace Grid.Tool.Cloud;

/// <summary>
/// One cloud run's life on AWS, after its checks passed: the image goes to ECR (the repository made if missing,
/// scanned on push, untagged images expired), the head listens for workers over TLS, the backend's shared
/// resources are made, and at the end (whatever the end) everything is torn down. cloud.json in the run folder
/// records what was planned, launched and deleted.
/// </summary>
public sealed class CloudSession : IAsyncDisposable
{
    /// <summary>ECR expires untagged images of a job's repository after this many days (old pushes of a moving tag).</summary>
    public const int UntaggedImageDays = 14;

    private readonly AwsClients _aws;
    private readonly CloudCheck _check;
    private readonly GridManifest _manifest;
    private readonly CloudRunOptions _options;
    private readonly Output.RunFolder _folder;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private RunCredentials? _credentials;
    private RemoteWorkerPool? _pool;
    private RecordedCapacity? _capacity;
    private PushResult? _push;
    private TeardownReport? _teardown;
    private CloudUsageRecord? _usage;
    private DateTimeOffset? _started;
    private bool _disposed;

    /// <param name="previous">For a resumed run, what its last head recorded: the same credentials and port are used, so its workers redial.</param>
    public CloudSession(AwsClients aws, CloudCheck check, GridManifest manifest, CloudRunOptions options, Output.RunFolder folder, CloudRecord? previous, TimeProvider time, Action<string> log)
    {
        _aws = aws;
        _check = check with { Job = check.Job with { Generation = previous is null ? 0 : previous.Generation + 1 } };
        _manifest = manifest;
        _options = options;
        _folder = folder;
        Previous = previous;
        _time = time;
        _log = log;
    }

    /// <summary>Pushes the image by digest; how much was uploaded is logged (nothing, for an unchanged image).</summary>
    public IImagePusher Pusher { get; init; } = new ImagePusher();

    /// <summary>Makes the backend for a job whose dial is known; tests may wrap it.</summary>
    public Func<AwsClients, CloudJob, TimeProvider, Action<string>, ICloudCapacity> CapacityFactory { get; init; } = Create;

    /// <summary>The workers' source, once <see cref="StartAsync"/> has run.</summary>
    public RemoteWorkerPool Launcher => _pool ?? throw new InvalidOperationException("StartAsync first");

    /// <summary>What the run's previous head recorded, when this head resumes it.</summary>
    public CloudRecord? Previous { get; }

    /// <summary>How long a resumed head waits for its predecessor's workers to redial before it asks for new machines.</summary>
    public static readonly TimeSpan ReattachWindow = TimeSpan.FromSeconds(20);

    public string? RunToken => _credentials?.Token;

    public CloudJob Job { get; private set; } = null!;

    public static ICloudCapacity Create(AwsClients aws, CloudJob job, TimeProvider time, Action<string> log) => job.Backend switch
    {
        CloudBackend.Batch => new BatchCapacity(aws, job, time, log),
        _ => new Ec2FleetCapacity(aws, job, time, log),
    };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _started = _time.GetUtcNow();
        await PushImageAsync(cancellationToken).ConfigureAwait(false);

        // A resumed head is the head its workers pinned, on the port they dial: they redial it and carry on.
        bool reattach = Previous is { HeadPort: > 0 } && File.Exists(_folder.HeadCredentials);
        if (reattach)
        {
            _credentials = RunCredentials.Load(_folder.HeadCredentials);
        }
        else
        {
            _credentials = RunCredentials.Create(_check.Job.Names.RunId, TimeSpan.FromDays(7), _time);
            _credentials.Save(_folder.HeadCredentials);
        }

        string? advertise = reattach ? Previous!.Advertise : _options.Advertise;
        var listen = reattach
            ? new System.Net.IPEndPoint(Endpoints.ParseListen(_options.Listen).Address, Previous!.HeadPort)
            : Endpoints.ParseListen(_options.Listen ?? (advertise is { } a ? Endpoints.ParseAdvertise(a).Port.ToString(CultureInfo.InvariantCulture) : null));
        _pool = new RemoteWorkerPool(_credentials, contact =>
        {
            Job = _check.Job with
            {
                Dial = new WorkerDial(advertise ?? Endpoints.DefaultAdvertise(contact.Endpoint.Port), contact.Pin, contact.Token),
            };
            _capacity = new RecordedCapacity(CapacityFactory(_aws, Job, _time, _log), Write);
            return _capacity;
        }, new RemoteWorkerPoolOptions { Endpoint = listen, Notice = _log, RequestDelay = reattach ? ReattachWindow : RemoteWorkerPoolOptions.DefaultRequestDelay });
        if (reattach)
        {
            _log($"resuming: workers of the previous head that are still running redial {Job.RequireDial().Endpoint}; new machines are asked for after {ReattachWindow.TotalSeconds:0} s");
        }
        _log($"the head listens on {_pool.Endpoint}; workers dial {Job.RequireDial().Endpoint} over TLS");
        Write();
        try
        {
            await _capacity!.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AwsException e)
        {
            throw AwsFailures.Translate(e, "creating the run's resources", ExitCodes.RunAborted);
        }
        finally
        {
            Write();
        }
    }

    private async Task PushImageAsync(CancellationToken cancellationToken)
    {
        var job = _check.Job;
        string repository = _manifest.Image.Repository;
        try
        {
            if (!_check.RepositoryExists)
            {
                await _aws.Ecr.CreateRepositoryAsync(new CreateRepositoryRequest(repository, ScanOnPush: true,
                    [.. job.Names.Tags.Where(t => t.Key != CloudNames.RunTag).Select(t => new EcrTag(t.Key, t.Value))]), cancellationToken).ConfigureAwait(false);
                await _aws.Ecr.PutLifecyclePolicyAsync(repository, LifecyclePolicy, cancellationToken).ConfigureAwait(false);
                _log($"created the ECR repository {repository} (scan on push; untagged images expire after {UntaggedImageDays} days)");
            }
        }
        catch (AwsException e) when (e.Code == "RepositoryAlreadyExistsException")
        {
        }
        catch (AwsException e)
        {
            throw AwsFailures.Translate(e, "creating the image repository");
        }

        var (user, password) = _check.Registry.Credentials;
        var source = _manifest.ArchivePath is { } archive
            ? ImageSource.FromArchive(archive)
            : ImageSource.FromRegistry(RegistryOf(_manifest.Image.Reference!), _manifest.Image.Repository, _manifest.Image.Digest);
        try
        {
            _push = await Pusher.PushAsync(source, new RegistryTarget(_check.Registry.ProxyEndpoint, repository, _manifest.Image.Tag, new RegistryCredentials(user, password)), null, cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException e)
        {
            throw new GridException(e.Code, e.Message);
        }

        if (_push.Digest != _manifest.Image.Digest)
        {
            throw new GridException(ErrorCodes.RegistryUnreachable, $"the registry stored the image as {_push.Digest}, not the published {_manifest.Image.Digest}; workers would run something else. Republish the job.");
        }

        _log($"pushed {_push.Reference}: {_push.BlobsUploaded} blob{(_push.BlobsUploaded == 1 ? "" : "s")} uploaded ({_push.BytesUploaded:N0} bytes), {_push.BlobsSkipped} already there");
    }

    /// <summary>The registry part of a pushed image's reference: <c>host:port/repo@sha256:…</c> → <c>host:port</c>.</summary>
    private static string RegistryOf(string reference) => reference[..reference.IndexOf('/', StringComparison.Ordinal)];

    private static string LifecyclePolicy => JsonSerializer.Serialize(new
    {
        rules = new[]
        {
            new
            {
                rulePriority = 1,
                description = $"Expire untagged images after {UntaggedImageDays} days",
                selection = new { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = UntaggedImageDays },
                action = new { type = "expire" },
            },
        },
    });

    /// <summary>Tears down what the run created (the run calls it before writing its report); safe to call twice. Failures are reported, not thrown: the run's own outcome stands.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_pool is not null)
        {
            await _pool.DisposeAsync().ConfigureAwait(false);
        }

        if (_capacity is not null && _teardown is null)
        {
            await RecordUsageAsync().ConfigureAwait(false);
            _log("tearing down the run's AWS resources...");
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
                _teardown = await _capacity.TearDownAsync(limit.Token).ConfigureAwait(false);
                _log(_teardown.Failures.Count == 0
                    ? $"teardown: deleted {_teardown}"
                    : $"{ErrorCodes.TeardownIncomplete}: teardown left {string.Join("; ", _teardown.Failures)}. Run `dotnet grid down --job {Job.Names.Job}`.");
            }
            catch (Exception e) when (e is AwsException or OperationCanceledException or HttpRequestException)
            {
                _log($"{ErrorCodes.TeardownIncomplete}: teardown failed ({e.Message}). Run `dotnet grid down --job {Job.Names.Job} --run {Job.Names.RunId}`.");
            }

            Write();
        }

        _credentials?.Dispose();
    }

    /// <summary>
    /// Before teardown terminates them: every instance the run had, read back from EC2 (those still running end now),
    /// and the spot prices in force since the run began, so the report can price the run without calling AWS.
    /// </summary>
    private async Task RecordUsageAsync()
    {
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            string workers = _folder.Workers;
            var now = _time.GetUtcNow();
            _usage = await CloudUsage.CollectAsync(_aws.Ec2, Job, _started ?? now, now, [.. Previous?.Launched ?? [], .. _capacity!.Launched], workers, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AwsException or OperationCanceledException or HttpRequestException)
        {
            _log($"{ErrorCodes.AwsCallFailed}: could not read the run's instances back for the report's cost ({e.Message}); the report will list no instance-hours.");
        }
    }

    /// <summary>cloud.json: the run's AWS side, for `dotnet grid down`, the report's cost section, and people.</summary>
    private readonly Lock _writing = new();

    /// <summary>Rewritten after every change (a launch included), so a head killed at any point leaves an up-to-date record.</summary>
    private void Write()
    {
        lock (_writing)
        {
            WriteRecord();
        }
    }

    private void WriteRecord()
    {
        var job = Job ?? _check.Job;
        var record = new CloudRecord
        {
            Region = job.Region,
            Account = job.Account,
            Backend = job.Backend.ToString().ToLowerInvariant(),
            Job = job.Names.Job,
            RunId = job.Names.RunId,
            Image = job.Image,
            InstanceTypes = job.InstanceTypes,
            Spot = job.Spot,
            SpotPrices = _check.SpotPrices,
            Generation = job.Generation,
            Advertise = job.Dial?.Endpoint,
            HeadPort = _pool?.Endpoint.Port ?? 0,
            Resources = _capacity is null ? [] : CloudPlan.Resources(job),
            Launched = [.. Previous?.Launched ?? [], .. _capacity?.Launched ?? []],
            Pushed = _push,
            StartedAt = _started,
            Instances = _usage?.Instances,
            SpotPriceHistory = _usage?.SpotPriceHistory,
            TornDown = _teardown?.Deleted,
            TeardownFailures = _teardown?.Failures,
        };
        File.WriteAllText(_folder.CloudJson, JsonSerializer.Serialize(record, CloudRecord.JsonOptions));
    }
}

/// <summary>A backend whose every request is followed by <paramref name="launched"/> (cloud.json is rewritten).</summary>
internal sealed class RecordedCapacity(ICloudCapacity inner, Action launched) : ICloudCapacity
{
    public IReadOnlyList<LaunchedWorker> Launched => inner.Launched;

    public string Describe(int workers) => inner.Describe(workers);

    public Task PrepareAsync(CancellationToken cancellationToken) => inner.PrepareAsync(cancellationToken);

    public async Task RequestAsync(int count, CancellationToken cancellationToken)
    {
        try
        {
            await inner.RequestAsync(count, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            launched();
        }
    }

    public Task<TeardownReport> TearDownAsync(CancellationToken cancellationToken) => inner.TearDownAsync(cancellationToken);
}

/// <summary>The contents of cloud.json.</summary>
public sealed record CloudRecord
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static CloudRecord Read(string path) =>
        JsonSerializer.Deserialize<CloudRecord>(File.ReadAllText(path), JsonOptions) ?? throw new JsonException($"{path} is empty");

    public required string Region { get; init; }

    public required string Account { get; init; }

    public required string Backend { get; init; }

    public required string Job { get; init; }

    public required string RunId { get; init; }

    public required string Image { get; init; }

    public required IReadOnlyList<string> InstanceTypes { get; init; }

    public bool Spot { get; init; }

    /// <summary>The lowest current spot price per type at the checks (what the dry run's estimate used).</summary>
    public IReadOnlyDictionary<string, decimal> SpotPrices { get; init; } = new Dictionary<string, decimal>();

    /// <summary>Which head wrote this: 0 for the first, one more for each resume.</summary>
    public int Generation { get; init; }

    /// <summary>The HOST:PORT workers dial.</summary>
    public string? Advertise { get; init; }

    /// <summary>The port the head listened on: a resumed head listens there again.</summary>
    public int HeadPort { get; init; }

    public IReadOnlyList<PlannedResource> Resources { get; init; } = [];

    public IReadOnlyList<LaunchedWorker> Launched { get; init; } = [];

    /// <summary>When the session began, before the image was pushed: the start of the spot price history.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Every instance the run paid for, read back from EC2 when teardown began; null until then.</summary>
    public IReadOnlyList<InstanceUsage>? Instances { get; init; }

    /// <summary>The spot prices of <see cref="Instances"/>' types since <see cref="StartedAt"/>, per zone, oldest first.</summary>
    public IReadOnlyList<SpotPricePoint>? SpotPriceHistory { get; init; }

    public PushResult? Pushed { get; init; }

    public IReadOnlyDictionary<string, int>? TornDown { get; init; }

    public IReadOnlyList<string>? TeardownFailures { get; init; }
}

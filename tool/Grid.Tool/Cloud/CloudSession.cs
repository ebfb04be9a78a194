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
    private readonly string _cloudJson;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private RunCredentials? _credentials;
    private RemoteWorkerPool? _pool;
    private ICloudCapacity? _capacity;
    private PushResult? _push;
    private TeardownReport? _teardown;
    private CloudUsageRecord? _usage;
    private DateTimeOffset? _started;
    private bool _disposed;

    public CloudSession(AwsClients aws, CloudCheck check, GridManifest manifest, CloudRunOptions options, string cloudJson, TimeProvider time, Action<string> log)
    {
        _aws = aws;
        _check = check;
        _manifest = manifest;
        _options = options;
        _cloudJson = cloudJson;
        _time = time;
        _log = log;
    }

    /// <summary>Pushes the image by digest; how much was uploaded is logged (nothing, for an unchanged image).</summary>
    public IImagePusher Pusher { get; init; } = new ImagePusher();

    /// <summary>Makes the backend for a job whose dial is known; tests may wrap it.</summary>
    public Func<AwsClients, CloudJob, TimeProvider, Action<string>, ICloudCapacity> CapacityFactory { get; init; } = Create;

    /// <summary>The workers' source, once <see cref="StartAsync"/> has run.</summary>
    public RemoteWorkerPool Launcher => _pool ?? throw new InvalidOperationException("StartAsync first");

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

        _credentials = RunCredentials.Create(_check.Job.Names.RunId, TimeSpan.FromDays(7), _time);
        var listen = Endpoints.ParseListen(_options.Listen ?? (_options.Advertise is { } a ? Endpoints.ParseAdvertise(a).Port.ToString(CultureInfo.InvariantCulture) : null));
        _pool = new RemoteWorkerPool(_credentials, contact =>
        {
            Job = _check.Job with
            {
                Dial = new WorkerDial(_options.Advertise ?? Endpoints.DefaultAdvertise(contact.Endpoint.Port), contact.Pin, contact.Token),
            };
            _capacity = CapacityFactory(_aws, Job, _time, _log);
            return _capacity;
        }, new RemoteWorkerPoolOptions { Endpoint = listen, Notice = _log });
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
            string workers = Path.Combine(Path.GetDirectoryName(_cloudJson)!, "workers.jsonl");
            var now = _time.GetUtcNow();
            _usage = await CloudUsage.CollectAsync(_aws.Ec2, Job, _started ?? now, now, _capacity!.Launched, workers, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AwsException or OperationCanceledException or HttpRequestException)
        {
            _log($"{ErrorCodes.AwsCallFailed}: could not read the run's instances back for the report's cost ({e.Message}); the report will list no instance-hours.");
        }
    }

    /// <summary>cloud.json: the run's AWS side, for `dotnet grid down`, the report's cost section, and people.</summary>
    private void Write()
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
            Resources = _capacity?.Plan() ?? [],
            Launched = _capacity?.Launched ?? [],
            Pushed = _push,
            StartedAt = _started,
            Instances = _usage?.Instances,
            SpotPriceHistory = _usage?.SpotPriceHistory,
            TornDown = _teardown?.Deleted,
            TeardownFailures = _teardown?.Failures,
        };
        File.WriteAllText(_cloudJson, JsonSerializer.Serialize(record, CloudRecord.JsonOptions));
    }
}

/// <summary>The contents of cloud.json.</summary>
public sealed record CloudRecord
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

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

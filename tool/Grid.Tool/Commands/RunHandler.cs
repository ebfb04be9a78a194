using System.Globalization;
using System.Text.RegularExpressions;
using Grid.Tool.Backends;
using Grid.Tool.Build;
using Grid.Tool.Cloud;
using Grid.Tool.Diagnostics;
using Grid.Tool.Head;
using Grid.Tool.Manifest;
using Grid.Tool.Output;
using Grid.Tool.Progress;
using Grid.Tool.Tasks;

namespace Grid.Tool.Commands;

/// <summary>
/// Does the work of `dotnet grid run --local`: check the input, build the job, run the scheduler over local
/// worker processes, and write the run folder and summary. Every check that can fail on bad input runs
/// before anything is built or started.
/// </summary>
public sealed partial class RunHandler
{
    private readonly CommandContext _context;

    public RunHandler(CommandContext context)
    {
        _context = context;
    }

    /// <summary>Builds a launcher for the job's assembly; tests swap in their own.</summary>
    public Func<string, RunFolder, RecorderHandle, IWorkerLauncher>? LauncherFactory { get; init; }

    /// <summary>With neither --tasks nor --inputs, a tasks.jsonl in the working folder is the task list.</summary>
    public const string DefaultTasksFile = "tasks.jsonl";

    public async Task<int> RunAsync(RunOptions options, CancellationToken cancellationToken)
    {
        ValidateTarget(options);
        var plan = options.Resume is { } resumeId ? PlanResume(options, resumeId) : PlanFresh(options);
        using var resumeLock = plan.Lock;
        var options2 = plan.Options;
        var job = options2.Target == "aws"
            ? await PrepareCloudAsync(plan, cancellationToken).ConfigureAwait(false)
            : options2.Container
                ? await PrepareContainerAsync(plan, cancellationToken).ConfigureAwait(false)
                : new JobArtifact(plan.BuiltAssembly is { } built && options2.NoBuild && File.Exists(built)
                    ? built
                    : await BuildAsync(plan.Project, options2, cancellationToken).ConfigureAwait(false));
        if (job is null)
        {
            return ExitCodes.Success;
        }

        string assembly = job.Assembly;
        options2 = options2 with { Workers = job.Workers ?? options2.Workers };

        // A new run's folder appears only once the job has built: bad input and broken builds leave nothing.
        using var headLock = plan.Lock is null ? HeadLock.Acquire(plan.Folder) : null;
        int slots = options2.Slots ?? job.Slots ?? Math.Max(1, Environment.ProcessorCount / options2.Workers);
        var record = plan.Record(assembly, slots) with
        {
            Workers = options2.Workers,
            Backend = job.Cloud is { } cloud ? $"aws-{cloud.Job.Backend.ToString().ToLowerInvariant()}" : options2.Container ? "container" : "local",
            Manifest = job.Manifest,
            Image = job.Cloud?.Job.Image ?? job.Image,
        };
        record.Write(plan.Folder.RunJson);

        // The journal is read (and a torn last line cut) before the recorder opens the files to append.
        var journal = options.Resume is null ? null : RunJournal.Read(plan.Folder, plan.Tasks);
        var progress = ProgressDisplay.For(_context.Error, _context.Time, _context.ErrorIsTerminal);
        using var recorder = new RunRecorder(plan.Folder, progress.Notice);
        await using var session = job.Cloud is { } check
            ? new CloudSession(AwsClientsFor(check.Job.Region), check, job.GridManifest!, options2.Cloud, plan.Folder,
                options.Resume is not null && File.Exists(plan.Folder.CloudJson) ? CloudRecord.Read(plan.Folder.CloudJson) : null, _context.Time, progress.Notice)
            : null;
        if (session is not null)
        {
            await session.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        var launcher = LauncherFactory?.Invoke(assembly, plan.Folder, new RecorderHandle(recorder))
            ?? (IWorkerLauncher?)session?.Launcher
            ?? (job.Runtime is { } runtime
                ? new ContainerLauncher(runtime, job.Image!, record.RunId, slots, recorder.WorkerStderr)
                : new LocalProcessLauncher(
                    JobProject.DotnetHost,
                    [assembly, "--grid-worker", "--grid-slots", slots.ToString(CultureInfo.InvariantCulture)],
                    new Dictionary<string, string> { ["GRID_RUN_ID"] = record.RunId, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
                    recorder.WorkerStderr));

        var schedulerOptions = new SchedulerOptions
        {
            RunId = record.RunId,
            Workers = options2.Workers,
            MaxAttempts = options2.MaxAttempts,
            TaskTimeout = options2.Timeout,
            CancelGrace = options2.CancelGrace,
            Prefetch = options2.Prefetch,
            RunToken = launcher.RunToken,
        };
        string where = Path.GetRelativePath(options2.WorkingDirectory, plan.Folder.Path);
        _context.Error.WriteLine(journal is null
            ? $"Run {record.RunId}: {plan.Tasks.Count:N0} tasks from {plan.Tasks.Source} over {launcher.Describe(options2.Workers)}, {slots} slot{(slots == 1 ? "" : "s")} each; results in {where}/"
            : $"Resuming run {record.RunId}: {journal.CommittedCount:N0} of {plan.Tasks.Count:N0} tasks already committed{(journal.RepairedBytes > 0 ? $" (a torn last line of {journal.RepairedBytes} bytes was cut)" : "")}; {plan.Tasks.Count - journal.CommittedCount:N0} to run over {launcher.Describe(options2.Workers)}");
        var scheduler = new Scheduler(plan.Tasks, launcher, recorder, schedulerOptions, _context.Time, journal) { OnProgress = progress.Update };
        var statistics = await scheduler.RunAsync(cancellationToken).ConfigureAwait(false);
        progress.Finish(statistics);

        int exitCode = statistics.AbortReason switch
        {
            null => statistics.Succeeded == statistics.Total ? ExitCodes.Success : ExitCodes.TasksFailed,
            "interrupted" => ExitCodes.Interrupted,
            _ => ExitCodes.RunAborted,
        };
        var summary = RunSummary.From(statistics, record.RunId, record.Job, record.Backend, options2.Workers, exitCode) with { Resumes = record.ResumedAt.Count };
        summary.Write(plan.Folder.Summary);
        if (session is not null)
        {
            // Teardown before the report: it records in cloud.json the instances (and spot prices) the cost is made from.
            await session.DisposeAsync().ConfigureAwait(false);
        }

        RunArtifacts.Write(plan.Folder, summary, _context.Error);
        if (statistics.AbortReason is { } reason && reason != "interrupted")
        {
            _context.Error.WriteLine(reason);
        }

        SummaryTable.Write(_context.Out, summary, plan.Folder);
        return exitCode;
    }

    /// <summary>A new run: every input check first, then the run folder.</summary>
    private Plan PlanFresh(RunOptions options)
    {
        if (options.TasksFile is null && options.InputsGlob is null && File.Exists(Path.Combine(options.WorkingDirectory, DefaultTasksFile)))
        {
            options = options with { TasksFile = DefaultTasksFile };
        }

        Validate(options);
        var tasks = LoadTasks(options);
        string runId = options.RunId ?? NewRunId(_context.Time);
        var folder = new RunFolder(options.WorkingDirectory, runId);
        if (Directory.Exists(folder.Path))
        {
            throw new GridException(ErrorCodes.RunExists, $"the run folder '{folder.Path}' already exists. Choose another --run-id, resume it with --resume {runId}, or remove the folder.");
        }

        string project = JobProject.Resolve(options.Project, options.WorkingDirectory);
        var now = _context.Time.GetUtcNow();
        return new Plan(options, tasks, folder, project, null, (assembly, slots) => new RunRecord
        {
            RunId = runId,
            Job = Path.GetFileNameWithoutExtension(project),
            Project = project,
            Assembly = assembly,
            Configuration = options.Configuration,
            WorkingDirectory = options.WorkingDirectory,
            TasksKind = options.TasksFile is null ? "glob" : "file",
            Tasks = tasks.Source,
            TaskCount = tasks.Count,
            TasksFingerprint = RunJournal.Fingerprint(tasks),
            Workers = options.Workers,
            SlotsPerWorker = slots,
            MaxAttempts = options.MaxAttempts,
            TimeoutSeconds = options.Timeout?.TotalSeconds,
            CancelGraceSeconds = options.CancelGrace.TotalSeconds,
            Prefetch = options.Prefetch,
            StartedAt = now,
            HeadProcessId = Environment.ProcessId,
        });
    }

    private async Task<string> BuildAsync(string project, RunOptions options, CancellationToken cancellationToken)
    {
        if (options.NoBuild)
        {
            return await JobProject.FindBuiltAsync(project, options.Configuration, cancellationToken).ConfigureAwait(false);
        }

        _context.Error.WriteLine($"Building {Path.GetFileNameWithoutExtension(project)} ({options.Configuration})...");
        return await JobProject.BuildAsync(project, options.Configuration, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// For --container: the job's published image (publishing it first, unless --manifest names one), checked
    /// and made available to the container engine.
    /// </summary>
    private async Task<JobArtifact> PrepareContainerAsync(Plan plan, CancellationToken cancellationToken)
    {
        var options = plan.Options;
        var runtime = ContainerRuntime.Find(options.ContainerRuntime);
        string manifestPath = await PublishedManifestAsync(plan, cancellationToken).ConfigureAwait(false);
        var manifest = GridManifest.Read(manifestPath, ToolVersion);
        string image = await runtime.PrepareImageAsync(manifest, cancellationToken).ConfigureAwait(false);
        return new JobArtifact(manifest.Job.Assembly, manifestPath, image, runtime);
    }

    /// <summary>The grid.json --manifest names, or the one a publish of the job writes now.</summary>
    private async Task<string> PublishedManifestAsync(Plan plan, CancellationToken cancellationToken)
    {
        var options = plan.Options;
        if (options.Manifest is { } given)
        {
            return Path.GetFullPath(given, options.WorkingDirectory);
        }

        _context.Error.WriteLine($"Publishing {Path.GetFileNameWithoutExtension(plan.Project)} as an image ({options.Configuration})...");
        return await JobProject.PublishGridAsync(plan.Project, options.Configuration, options.NoBuild, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The version of this tool, for the manifest's SDK-version check.</summary>
    public static string ToolVersion { get; } =
        typeof(RunHandler).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "0.0.0";

    /// <summary>
    /// What the workers run: a built assembly, or an image (with the manifest it came from), and for a cloud run
    /// what its checks found and the worker count and slots the manifest sets.
    /// </summary>
    private sealed record JobArtifact(string Assembly, string? Manifest = null, string? Image = null, ContainerRuntime? Runtime = null)
    {
        public CloudCheck? Cloud { get; init; }

        public GridManifest? GridManifest { get; init; }

        public int? Workers { get; init; }

        public int? Slots { get; init; }
    }

    /// <summary>What a run will do, decided before anything is built or started.</summary>
    /// <param name="Lock">Held from planning on for a resume; a new run takes it once its folder is made.</param>
    /// <param name="BuiltAssembly">For a resume, the job the run's workers ran: reused as is with --no-build.</param>
    private sealed record Plan(RunOptions Options, TaskList Tasks, RunFolder Folder, string Project, HeadLock? Lock, Func<string, int, RunRecord> Record, string? BuiltAssembly = null);

    private static void Validate(RunOptions options)
    {
        Require(options.Workers is >= 1 and <= 10_000, "--workers", options.Workers.ToString(CultureInfo.InvariantCulture), "a whole number from 1 to 10000");
        Require(options.Slots is null or (>= 1 and <= 1024), "--slots", options.Slots?.ToString(CultureInfo.InvariantCulture), "a whole number from 1 to 1024");
        Require(options.MaxAttempts is >= 1 and <= 100, "--max-attempts", options.MaxAttempts.ToString(CultureInfo.InvariantCulture), "a whole number from 1 to 100");
        Require(options.Prefetch is null or (>= 0 and <= 100_000), "--prefetch", options.Prefetch?.ToString(CultureInfo.InvariantCulture), "a whole number from 0 to 100000");
        if ((options.TasksFile is null) == (options.InputsGlob is null))
        {
            throw new GridException(ErrorCodes.TaskSourceChoice, options.TasksFile is null
                ? $"no tasks given, and there is no {DefaultTasksFile} here. Pass --tasks FILE.jsonl (one JSON input per line) or --inputs 'GLOB' (one task per file)."
                : "both --tasks and --inputs were given; pass one of them.");
        }

        if (options.RunId is { } runId && !RunIdPattern().IsMatch(runId))
        {
            throw new GridException(ErrorCodes.BadRunId, $"--run-id '{runId}' is not a valid run id; use 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
    }

    private static void Require(bool ok, string option, string? value, string expected)
    {
        if (!ok)
        {
            throw new GridException(ErrorCodes.BadOption, $"{option} is '{value}'; it must be {expected}.");
        }
    }

    private static TaskList LoadTasks(RunOptions options) => options.TasksFile is { } file
        ? TaskFileLoader.Load(Path.GetFullPath(file, options.WorkingDirectory))
        : InputGlobLoader.Load(options.InputsGlob!, options.WorkingDirectory);

    /// <summary>A sortable, readable id: 20261121-061502-a3f9.</summary>
    public static string NewRunId(TimeProvider time) =>
        $"{time.GetUtcNow():yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex RunIdPattern();
}

/// <summary>Gives a launcher built outside the handler (tests) access to the run's worker logs.</summary>
public sealed class RecorderHandle(RunRecorder recorder)
{
    public TextWriter WorkerStderr(string worker) => recorder.WorkerStderr(worker);
}

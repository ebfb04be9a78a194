using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grid.Tool.Backends;
using Grid.Tool.Build;
using Grid.Tool.Diagnostics;
using Grid.Tool.Head;
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
            throw new GridException(ErrorCodes.RunExists, $"the run folder '{folder.Path}' already exists. Choose another --run-id, or remove the folder.");
        }

        string project = JobProject.Resolve(options.Project, options.WorkingDirectory);
        string job = Path.GetFileNameWithoutExtension(project);
        string assembly;
        if (options.NoBuild)
        {
            assembly = await JobProject.FindBuiltAsync(project, options.Configuration, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _context.Error.WriteLine($"Building {job} ({options.Configuration})...");
            assembly = await JobProject.BuildAsync(project, options.Configuration, cancellationToken).ConfigureAwait(false);
        }

        int slots = options.Slots ?? Math.Max(1, Environment.ProcessorCount / options.Workers);
        var progress = ProgressDisplay.For(_context.Error, _context.Time, _context.ErrorIsTerminal);
        using var recorder = new RunRecorder(folder, progress.Notice);
        WriteRunJson(folder, runId, job, project, assembly, tasks, options, slots);
        var handle = new RecorderHandle(recorder);
        var launcher = LauncherFactory?.Invoke(assembly, folder, handle) ?? new LocalProcessLauncher(
            JobProject.DotnetHost,
            [assembly, "--grid-worker", "--grid-slots", slots.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["GRID_RUN_ID"] = runId, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
            recorder.WorkerStderr);

        var schedulerOptions = new SchedulerOptions
        {
            RunId = runId,
            Workers = options.Workers,
            MaxAttempts = options.MaxAttempts,
            TaskTimeout = options.Timeout,
            CancelGrace = options.CancelGrace,
            Prefetch = options.Prefetch,
        };
        _context.Error.WriteLine($"Run {runId}: {tasks.Count:N0} tasks from {tasks.Source} over {launcher.Describe(options.Workers)}, {slots} slot{(slots == 1 ? "" : "s")} each; results in {Path.GetRelativePath(options.WorkingDirectory, folder.Path)}/");
        var scheduler = new Scheduler(tasks, launcher, recorder, schedulerOptions, _context.Time) { OnProgress = progress.Update };
        var statistics = await scheduler.RunAsync(cancellationToken).ConfigureAwait(false);
        progress.Finish(statistics);

        int exitCode = statistics.AbortReason switch
        {
            null => statistics.Succeeded == statistics.Total ? ExitCodes.Success : ExitCodes.TasksFailed,
            "interrupted" => ExitCodes.Interrupted,
            _ => ExitCodes.RunAborted,
        };
        var summary = RunSummary.From(statistics, runId, job, "local", options.Workers, exitCode);
        summary.Write(folder.Summary);
        if (statistics.AbortReason is { } reason && reason != "interrupted")
        {
            _context.Error.WriteLine(reason);
        }

        SummaryTable.Write(_context.Out, summary, folder);
        return exitCode;
    }

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

    private void WriteRunJson(RunFolder folder, string runId, string job, string project, string assembly, TaskList tasks, RunOptions options, int slots)
    {
        using var stream = File.Create(folder.RunJson);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("runId", runId);
        json.WriteString("job", job);
        json.WriteString("project", project);
        json.WriteString("assembly", assembly);
        json.WriteString("configuration", options.Configuration);
        json.WriteString("backend", "local");
        json.WriteString("workingDirectory", options.WorkingDirectory);
        json.WriteString("tasksKind", options.TasksFile is null ? "glob" : "file");
        json.WriteString("tasks", tasks.Source);
        json.WriteNumber("taskCount", tasks.Count);
        json.WriteNumber("workers", options.Workers);
        json.WriteNumber("slotsPerWorker", slots);
        json.WriteNumber("maxAttempts", options.MaxAttempts);
        if (options.Timeout is { } timeout)
        {
            json.WriteNumber("timeoutSeconds", timeout.TotalSeconds);
        }

        json.WriteString("startedAt", _context.Time.GetUtcNow());
        json.WriteNumber("headProcessId", Environment.ProcessId);
        json.WriteEndObject();
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex RunIdPattern();
}

/// <summary>Gives a launcher built outside the handler (tests) access to the run's worker logs.</summary>
public sealed class RecorderHandle(RunRecorder recorder)
{
    public TextWriter WorkerStderr(string worker) => recorder.WorkerStderr(worker);
}

using System.CommandLine;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Commands;

/// <summary>`dotnet grid run`: declares the options and hands a <see cref="RunOptions"/> to <see cref="RunHandler"/>.</summary>
public static class RunCommand
{
    public static Command Create(CommandContext context)
    {
        var local = new Option<bool>("--local") { Description = "Run on this machine over worker processes (the default while no cloud target is configured)." };
        var project = new Option<string?>("--project", "-p") { Description = "The job's project file or folder (default: the current folder)." };
        var tasks = new Option<string?>("--tasks", "-t") { Description = "A JSON Lines file: one task input per line; an \"id\" field names the task." };
        var inputs = new Option<string?>("--inputs", "-i") { Description = "A glob such as 'data/**/*.json': each matching file is a task (id: its relative path)." };
        var workers = new Option<int>("--workers", "-w") { Description = "Worker processes to run.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var slots = new Option<int?>("--slots") { Description = "Tasks each worker runs at once (default: cores ÷ workers, at least 1)." };
        var runId = new Option<string?>("--run-id") { Description = "Name of the run and its folder under grid-runs/ (default: a time-based id)." };
        var maxAttempts = new Option<int>("--max-attempts") { Description = "Attempts a task gets when its handler fails or times out.", DefaultValueFactory = _ => 3 };
        var timeout = new Option<string?>("--timeout") { Description = "Per-attempt time limit, e.g. 30s, 5m, 1h (default: none)." };
        var grace = new Option<string?>("--cancel-grace") { Description = "After a timeout, how long a handler has to stop before its worker is killed (default: 10s)." };
        var prefetch = new Option<int?>("--prefetch") { Description = "Tasks queued on a worker beyond its slots (default: max(2 × slots, 16))." };
        var configuration = new Option<string>("--configuration", "-c") { Description = "Build configuration of the job.", DefaultValueFactory = _ => "Release" };
        var noBuild = new Option<bool>("--no-build") { Description = "Do not build the job first." };
        var container = new Option<bool>("--container") { Description = "Run the workers as containers of the job's published image (podman or docker), publishing it first." };
        var containerRuntime = new Option<string?>("--container-runtime") { Description = "podman or docker (default: the first on PATH)." };
        containerRuntime.AcceptOnlyFromAmong("podman", "docker");
        var manifest = new Option<string?>("--manifest") { Description = "A grid.json from `dotnet publish -p:PublishGrid=true` to run, instead of publishing the job (implies --container)." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run with this id from what it committed: its settings and tasks are kept; committed tasks are not run again." };

        var command = new Command("run", "Run a job: build it, start workers, feed them the tasks, and collect results in grid-runs/<run-id>/.")
        {
            local, project, tasks, inputs, workers, slots, runId, maxAttempts, timeout, grace, prefetch, configuration, noBuild, resume, container, containerRuntime, manifest,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new RunOptions
            {
                Project = parse.GetValue(project),
                TasksFile = parse.GetValue(tasks),
                InputsGlob = parse.GetValue(inputs),
                Workers = parse.GetValue(workers),
                WorkersGiven = parse.GetResult(workers) is { Implicit: false },
                Resume = parse.GetValue(resume),
                Slots = parse.GetValue(slots),
                RunId = parse.GetValue(runId),
                MaxAttempts = parse.GetValue(maxAttempts),
                Timeout = ParseDuration(parse.GetValue(timeout), "--timeout"),
                CancelGrace = ParseDuration(parse.GetValue(grace), "--cancel-grace") ?? Head.SchedulerOptions.DefaultCancelGrace,
                Prefetch = parse.GetValue(prefetch),
                Configuration = parse.GetValue(configuration) ?? "Release",
                NoBuild = parse.GetValue(noBuild),
                Container = parse.GetValue(container) || parse.GetValue(manifest) is not null,
                ContainerRuntime = parse.GetValue(containerRuntime),
                Manifest = parse.GetValue(manifest),
                WorkingDirectory = context.WorkingDirectory,
            };
            return await new RunHandler(context).RunAsync(options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static TimeSpan? ParseDuration(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return DurationParser.TryParse(text, out var value)
            ? value
            : throw new GridException(ErrorCodes.BadOption, $"{option} '{text}' is not a duration; write it like 30s, 5m, 1h30m or 00:05:00.");
    }
}

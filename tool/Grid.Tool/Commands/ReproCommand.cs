using System.CommandLine;

namespace Grid.Tool.Commands;

/// <summary>`dotnet grid repro &lt;run-id&gt; &lt;task-id&gt;`: runs one task of a run again, here, with the same input.</summary>
public static class ReproCommand
{
    public static Command Create(CommandContext context)
    {
        var runId = new Argument<string>("run-id") { Description = "The run." };
        var taskId = new Argument<string>("task-id") { Description = "The task: its id in results.jsonl (a tasks file line without an \"id\" is named by its line number)." };
        var container = new Option<bool>("--container") { Description = "Run the task in a container of the run's image (the default for a container or cloud run)." };
        var inline = new Option<bool>("--inline") { Description = "Run the task through the job's built assembly on this machine (the default for a run of worker processes)." };
        var containerRuntime = new Option<string?>("--container-runtime") { Description = "podman or docker (default: the first on PATH)." };
        containerRuntime.AcceptOnlyFromAmong("podman", "docker");
        var command = new Command("repro", "Run one task of a run again on this machine, with the same input, through the job's inline mode (--input @file): in the run's container image for a container or cloud run, else through the built assembly. The handler's log streams to stderr, its output JSON to stdout.")
        {
            runId, taskId, container, inline, containerRuntime,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ReproOptions(parse.GetValue(runId)!, parse.GetValue(taskId)!, context.WorkingDirectory)
            {
                Container = parse.GetValue(container) ? true : parse.GetValue(inline) ? false : null,
                BothModesGiven = parse.GetValue(container) && parse.GetValue(inline),
                ContainerRuntime = parse.GetValue(containerRuntime),
            };
            return await new ReproHandler(context).RunAsync(options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}

/// <summary>What `dotnet grid repro` was asked for.</summary>
public sealed record ReproOptions(string RunId, string TaskId, string WorkingDirectory)
{
    /// <summary>true: in the run's image; false: through the built assembly; null: as the run's backend ran it.</summary>
    public bool? Container { get; init; }

    /// <summary>Both --container and --inline were given (GRID5010).</summary>
    public bool BothModesGiven { get; init; }

    /// <summary>podman or docker; null for the first on PATH.</summary>
    public string? ContainerRuntime { get; init; }
}

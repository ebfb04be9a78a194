using System.CommandLine;

namespace Grid.Tool.Commands;

/// <summary>`dotnet grid repro &lt;run-id&gt; &lt;task-id&gt;`: runs one task of a run again, here, with the same input.</summary>
public static class ReproCommand
{
    public static Command Create(CommandContext context)
    {
        var runId = new Argument<string>("run-id") { Description = "The run." };
        var taskId = new Argument<string>("task-id") { Description = "The task: its id in results.jsonl (a tasks file line without an \"id\" is named by its line number)." };
        var command = new Command("repro", "Run one task of a run again on this machine, with the same input, through the job's inline mode (dotnet job.dll --input @file): the handler's log streams to stderr, its output JSON to stdout.")
        {
            runId, taskId,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ReproOptions(parse.GetValue(runId)!, parse.GetValue(taskId)!, context.WorkingDirectory);
            return await new ReproHandler(context).RunAsync(options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}

/// <summary>What `dotnet grid repro` was asked for.</summary>
public sealed record ReproOptions(string RunId, string TaskId, string WorkingDirectory);

using System.CommandLine;

namespace Grid.Tool.Commands;

/// <summary>`dotnet grid logs &lt;run-id&gt; [task-id] [--worker ID]`: a run's logs, read from its folder (the workers may be long gone).</summary>
public static class LogsCommand
{
    public static Command Create(CommandContext context)
    {
        var runId = new Argument<string>("run-id") { Description = "The run." };
        var taskId = new Argument<string?>("task-id") { Description = "Print this task's log (every attempt's output, each under a header).", Arity = ArgumentArity.ZeroOrOne };
        var worker = new Option<string?>("--worker") { Description = "Print this worker's log instead: its own stderr and the head's notes on it." };
        var format = OutputFormat.CreateOption();
        var command = new Command("logs", "List the tasks and workers of a run that have logs, or print one task's or one worker's log.")
        {
            runId, taskId, worker, format,
        };

        command.SetAction(parse => new LogsHandler(context).Show(new LogsOptions(
            parse.GetValue(runId)!, parse.GetValue(taskId), parse.GetValue(worker), parse.GetValue(format) ?? OutputFormat.Table, context.WorkingDirectory)));
        return command;
    }
}

/// <summary>What `dotnet grid logs` was asked for.</summary>
/// <param name="TaskId">The task whose log to print; with neither it nor <paramref name="Worker"/>, the logs are listed.</param>
/// <param name="Worker">The worker whose log to print.</param>
/// <param name="Format">For the listing: <see cref="OutputFormat.Table"/> or <see cref="OutputFormat.Json"/>.</param>
public sealed record LogsOptions(string RunId, string? TaskId, string? Worker, string Format, string WorkingDirectory);

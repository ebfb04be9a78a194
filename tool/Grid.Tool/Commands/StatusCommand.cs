using System.CommandLine;

namespace Grid.Tool.Commands;

/// <summary>`dotnet grid status [run-id]`: how a run is doing, live or finished.</summary>
public static class StatusCommand
{
    public static Command Create(CommandContext context)
    {
        var runId = new Argument<string?>("run-id") { Description = "The run (default: the newest run under ./grid-runs).", Arity = ArgumentArity.ZeroOrOne };
        var format = OutputFormat.CreateOption();
        var command = new Command("status", "Show a run's state: while it runs, tasks ended so far against its task count; once it has ended, its summary.")
        {
            runId, format,
        };

        command.SetAction(parse => new StatusHandler(context).Show(new StatusOptions(parse.GetValue(runId), parse.GetValue(format) ?? OutputFormat.Table, context.WorkingDirectory)));
        return command;
    }
}

/// <summary>What `dotnet grid status` was asked for.</summary>
/// <param name="RunId">The run; null for the newest.</param>
/// <param name="Format"><see cref="OutputFormat.Table"/> or <see cref="OutputFormat.Json"/>.</param>
public sealed record StatusOptions(string? RunId, string Format, string WorkingDirectory);

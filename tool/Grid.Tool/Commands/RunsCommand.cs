using System.CommandLine;

namespace Grid.Tool.Commands;

/// <summary>`dotnet grid runs`: the runs under ./grid-runs, newest first.</summary>
public static class RunsCommand
{
    public static Command Create(CommandContext context)
    {
        var format = OutputFormat.CreateOption();
        var command = new Command("runs", "List the runs under ./grid-runs, newest first: id, start, status (running, finished, aborted, interrupted), tasks, succeeded, failed, wall time.")
        {
            format,
        };

        command.SetAction(parse => new RunsHandler(context).List(new RunsOptions(parse.GetValue(format) ?? OutputFormat.Table, context.WorkingDirectory)));
        return command;
    }
}

/// <summary>What `dotnet grid runs` was asked for.</summary>
/// <param name="Format"><see cref="OutputFormat.Table"/> or <see cref="OutputFormat.Json"/>.</param>
public sealed record RunsOptions(string Format, string WorkingDirectory);

using System.CommandLine;
using Grid.Tool.Output;

namespace Grid.Tool.Commands;

/// <summary>`dotnet grid report [run-id]`: writes the run's report.html and results.csv again and prints the report's path.</summary>
public static class ReportCommand
{
    public static Command Create(CommandContext context)
    {
        var runId = new Argument<string?>("run-id") { Description = "The run (default: the newest run under ./grid-runs).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("report", "Write a run's report.html (one self-contained page: summary, timeline, durations, failures, cost) and results.csv, and print the report's path.")
        {
            runId,
        };

        command.SetAction(parse => Report(context, new ReportOptions(parse.GetValue(runId), context.WorkingDirectory)));
        return command;
    }

    public static int Report(CommandContext context, ReportOptions options)
    {
        var run = RunCatalog.Find(options.WorkingDirectory, options.RunId);
        var started = context.Time.GetTimestamp();
        string report = RunArtifacts.Render(run);
        context.Error.WriteLine($"Wrote {RunArtifacts.ReportFileName} and {RunArtifacts.CsvFileName} of run {run.RunId} ({RunEntry.StatusWord(run.Status)}) in {context.Time.GetElapsedTime(started).TotalSeconds:0.00} s.");
        context.Out.WriteLine(report);
        context.Out.Flush();
        return Diagnostics.ExitCodes.Success;
    }
}

/// <summary>What `dotnet grid report` was asked for.</summary>
/// <param name="RunId">The run; null for the newest.</param>
public sealed record ReportOptions(string? RunId, string WorkingDirectory);

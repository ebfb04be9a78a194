using System.Globalization;
using Grid.Tool.Diagnostics;
using Grid.Tool.Output;
using Spectre.Console;

namespace Grid.Tool.Commands;

/// <summary>Lists runs with their state: from summary.json when the run has one, else counted from its results.jsonl.</summary>
public sealed class RunsHandler(CommandContext context)
{
    public int List(RunsOptions options)
    {
        var runs = RunCatalog.List(options.WorkingDirectory).Select(run => RunState.Of(run, context.Time)).ToList();
        if (options.Format == OutputFormat.Json)
        {
            OutputFormat.WriteJson(context.Out, json =>
            {
                json.WriteStartArray();
                foreach (var run in runs)
                {
                    json.WriteStartObject();
                    json.WriteString("id", run.Run.RunId);
                    json.WriteString("started", run.Run.StartedAt);
                    json.WriteString("status", RunEntry.StatusWord(run.Run.Status));
                    json.WriteNumber("tasks", run.Tasks);
                    json.WriteNumber("succeeded", run.Succeeded);
                    json.WriteNumber("failed", run.Unsuccessful);
                    json.WriteNumber("notRun", run.NotRun);
                    WriteNullable(json, "wallSeconds", run.WallSeconds);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            });
            return ExitCodes.Success;
        }

        if (runs.Count == 0)
        {
            context.Error.WriteLine($"No runs in {Path.Combine(options.WorkingDirectory, RunFolder.RunsDirectoryName)}.");
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("run").AddColumn("started (UTC)").AddColumn("status")
            .AddColumn(new TableColumn("tasks").RightAligned()).AddColumn(new TableColumn("succeeded").RightAligned())
            .AddColumn(new TableColumn("failed").RightAligned()).AddColumn(new TableColumn("wall time").RightAligned());
        foreach (var run in runs)
        {
            table.AddRow(
                Markup.Escape(run.Run.RunId),
                run.Run.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                RunEntry.StatusWord(run.Run.Status),
                run.Tasks.ToString("N0", CultureInfo.InvariantCulture),
                run.Succeeded.ToString("N0", CultureInfo.InvariantCulture),
                run.Unsuccessful.ToString("N0", CultureInfo.InvariantCulture),
                run.WallSeconds is { } wall ? Reports.ReportPage.Duration(wall * 1000) : "");
        }

        OutputFormat.Console(context.Out).Write(table);
        context.Out.Flush();
        return ExitCodes.Success;
    }

    internal static void WriteNullable(System.Text.Json.Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Math.Round(v, 3));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}

/// <summary>A run's figures for `runs` and `status`: the summary's when it has one, else what its files show so far.</summary>
internal sealed record RunState(RunEntry Run, int Tasks, int Succeeded, int Failed, int TimedOut, int Quarantined, int NotRun, double? WallSeconds)
{
    /// <summary>Tasks that ended.</summary>
    public int Ended => Succeeded + Failed + TimedOut + Quarantined;

    /// <summary>Tasks that ended without succeeding: failed, timed out or quarantined.</summary>
    public int Unsuccessful => Failed + TimedOut + Quarantined;

    public static RunState Of(RunEntry run, TimeProvider time)
    {
        if (run.Summary is { } s)
        {
            return new RunState(run, s.Tasks, s.Succeeded, s.Failed, s.TimedOut, s.Quarantined, s.NotRun, s.WallSeconds);
        }

        var p = RunProgress.Count(run.Folder);
        int tasks = Math.Max(run.TaskCount, p.Ended);
        double? wall = run.Status == RunStatus.Running
            ? (time.GetUtcNow() - run.StartedAt).TotalSeconds
            : p.LastEnded is { } last ? (last - run.StartedAt).TotalSeconds : null;
        return new RunState(run, tasks, p.Succeeded, p.Failed, p.TimedOut, p.Quarantined, tasks - p.Ended, wall);
    }
}

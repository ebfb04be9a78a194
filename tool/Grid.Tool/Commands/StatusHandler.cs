using System.Globalization;
using Grid.Tool.Diagnostics;
using Grid.Tool.Output;
using Grid.Tool.Reports;
using Spectre.Console;

namespace Grid.Tool.Commands;

/// <summary>
/// Describes one run. A live run (its head process alive, no summary.json yet) is read from the files the head
/// appends to: results.jsonl lines against run.json's taskCount, and attempts.jsonl; a finished one from its
/// summary.json.
/// </summary>
public sealed class StatusHandler(CommandContext context)
{
    public int Show(StatusOptions options)
    {
        var run = RunCatalog.Find(options.WorkingDirectory, options.RunId);
        var state = RunState.Of(run, context.Time);
        int earlierAttempts = JsonLines.ForEach(run.Folder.Attempts, _ => { });
        int workersEnded = JsonLines.ForEach(run.Folder.Workers, _ => { });
        bool live = run.Status == RunStatus.Running;
        double? rate = state.WallSeconds is > 0 and var wall ? state.Ended / wall : null;
        double? eta = live && rate is > 0 ? (state.Tasks - state.Ended) / rate : null;
        string report = Path.Combine(run.Folder.Path, RunArtifacts.ReportFileName);
        bool hasReport = File.Exists(report);

        if (options.Format == OutputFormat.Json)
        {
            OutputFormat.WriteJson(context.Out, json =>
            {
                json.WriteStartObject();
                json.WriteString("id", run.RunId);
                json.WriteString("job", run.Job);
                json.WriteString("backend", run.Backend);
                json.WriteString("status", RunEntry.StatusWord(run.Status));
                json.WriteBoolean("live", live);
                json.WriteString("started", run.StartedAt);
                json.WriteNumber("tasks", state.Tasks);
                json.WriteNumber("ended", state.Ended);
                json.WriteNumber("succeeded", state.Succeeded);
                json.WriteNumber("failed", state.Failed);
                json.WriteNumber("timedOut", state.TimedOut);
                json.WriteNumber("quarantined", state.Quarantined);
                json.WriteNumber("notRun", state.NotRun);
                json.WriteNumber("earlierAttempts", earlierAttempts);
                json.WriteNumber("workers", run.Workers);
                json.WriteNumber("slotsPerWorker", run.SlotsPerWorker);
                json.WriteNumber("workersEnded", workersEnded);
                RunsHandler.WriteNullable(json, "wallSeconds", state.WallSeconds);
                RunsHandler.WriteNullable(json, "tasksPerSecond", rate);
                RunsHandler.WriteNullable(json, "etaSeconds", eta);
                if (run.HeadProcessId is { } pid)
                {
                    json.WriteNumber("headProcessId", pid);
                }

                if (run.Summary is { } summary)
                {
                    json.WriteNumber("exitCode", summary.ExitCode);
                    if (summary.AbortReason is { } reason)
                    {
                        json.WriteString("abortReason", reason);
                    }
                }

                json.WriteString("folder", run.Folder.Path);
                if (hasReport)
                {
                    json.WriteString("report", report);
                }

                json.WriteEndObject();
            });
            return ExitCodes.Success;
        }

        var c = CultureInfo.InvariantCulture;
        var rows = new List<(string, string)>
        {
            ("job", run.Job),
            ("status", RunEntry.StatusWord(run.Status) + (live ? $" (head process {run.HeadProcessId})" : run.Summary is null ? " (its head stopped without writing summary.json)" : "")),
            ("started", run.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", c) + " UTC"),
            ("tasks", state.Tasks.ToString("N0", c)),
            ("ended", $"{state.Ended.ToString("N0", c)} ({(state.Ended / (double)Math.Max(1, state.Tasks)).ToString("P1", c)})"),
            ("succeeded", state.Succeeded.ToString("N0", c)),
            ("failed", state.Failed.ToString("N0", c)),
        };
        if (state.TimedOut > 0)
        {
            rows.Add(("timed out", state.TimedOut.ToString("N0", c)));
        }

        rows.Add(("quarantined", state.Quarantined.ToString("N0", c)));
        if (state.NotRun > 0)
        {
            rows.Add((live ? "to go" : "not run", state.NotRun.ToString("N0", c)));
        }

        rows.Add(("earlier attempts", $"{earlierAttempts.ToString("N0", c)} (retried or lost with a worker)"));
        rows.Add(("workers", $"{run.Workers} × {run.SlotsPerWorker} slots ({workersEnded} ended)"));
        if (state.WallSeconds is { } seconds)
        {
            rows.Add((live ? "elapsed" : "wall time", ReportPage.Duration(seconds * 1000)));
        }

        if (rate is { } r)
        {
            rows.Add(("tasks/s", r.ToString("N1", c)));
        }

        if (eta is { } e)
        {
            rows.Add(("time to go", "about " + ReportPage.Duration(e * 1000)));
        }

        if (run.Summary?.AbortReason is { } abort && abort != "interrupted")
        {
            rows.Add(("aborted", abort));
        }

        rows.Add(("folder", run.Folder.Path));
        if (hasReport)
        {
            rows.Add(("report", report));
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("run " + Markup.Escape(run.RunId)).AddColumn(new TableColumn(""));
        foreach (var (name, value) in rows)
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
        }

        OutputFormat.Console(context.Out).Write(table);
        context.Out.Flush();
        return ExitCodes.Success;
    }
}

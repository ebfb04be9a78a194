using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Grid.Tool.Output;

namespace Grid.Tool.Reports;

/// <summary>
/// Writes report.html: one self-contained page (inline CSS, script and data; a Content-Security-Policy that
/// forbids every fetch) that opens offline. Tables and figures are written here as HTML, so they read without
/// the script; the charts are drawn by a small script from compact JSON, and a timeline of more than
/// <see cref="Timeline.MaxBars"/> attempts arrives pre-aggregated, so the page stays small for any run.
/// </summary>
internal sealed partial class ReportPage
{
    /// <summary>The failure groups and workers listed in full; the rest are counted.</summary>
    public const int MaxFailureGroups = 100;

    public const int MaxWorkerRows = 500;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private readonly RunData _data;
    private readonly RunSummary _s;
    private readonly Timeline _timeline;
    private readonly Concurrency _concurrency;
    private readonly Distribution _durations;
    private readonly Distribution _queue;
    private readonly Distribution _startup;
    private readonly Distribution _run;
    private readonly TextWriter _w;

    private ReportPage(RunData data, TextWriter writer)
    {
        _data = data;
        _s = data.Summary;
        _w = writer;
        _timeline = Timeline.Build(data);
        _concurrency = Concurrency.Of(data);
        var finals = data.Attempts.Where(a => a.Final).ToArray();
        var durations = new double[finals.Length];
        var queue = new double[finals.Length];
        var startup = new double[finals.Length];
        var run = new double[finals.Length];
        for (int i = 0; i < finals.Length; i++)
        {
            ref readonly var a = ref finals[i];
            durations[i] = a.DurationMs;
            queue[i] = Ms(a.Dispatched - data.Origin);
            startup[i] = Ms(a.Started - a.Dispatched);
            run[i] = Ms(a.Ended - a.Started);
        }

        _durations = new Distribution(durations);
        _queue = new Distribution(queue);
        _startup = new Distribution(startup);
        _run = new Distribution(run);
    }

    public static void Write(RunData data, string path)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16))
        {
            new ReportPage(data, writer).Write();
        }

        File.Move(temp, path, overwrite: true);
    }

    private void Write()
    {
        string title = $"Grid run {_s.RunId}";
        _w.Write($"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
            <title>{H(title)}</title>
            <link rel="icon" href="data:,">
            <style>
            """);
        _w.Write(Asset("report.css"));
        _w.Write($"""
            </style>
            </head>
            <body data-run="{H(_s.RunId)}" data-summary="{(_data.SummaryIsDerived ? "derived" : "summary.json")}">
            """);
        WriteHeader();
        _w.Write("<main>\n");
        WriteFigures();
        WriteTimeline();
        _w.Write("<div class=\"pair\">\n");
        WriteConcurrency();
        WriteDurations();
        _w.Write("</div>\n");
        WritePhases();
        WriteFailures();
        WriteWorkers();
        _w.Write("<div class=\"pair\">\n");
        WriteCost();
        WriteAllFigures();
        _w.Write("</div>\n</main>\n");
        _w.Write($"""
            <footer>Written by dotnet grid {H(ToolVersion())} on {H(Time(DateTimeOffset.UtcNow))} from the run folder <code>{H(_data.Run.Folder.Path)}</code>: run.json, results.jsonl, attempts.jsonl, workers.jsonl, errors.jsonl, summary.json and, for a cloud run, cloud.json. This page is one file; it fetches nothing. Per-task rows: <code>results.csv</code> beside it.</footer>
            <div id="tip" class="tip" hidden></div>
            <script type="application/json" id="grid-data">
            """);
        _w.Flush();
        WriteData(((StreamWriter)_w).BaseStream);
        _w.Write("</script>\n<script>\n");
        _w.Write(Asset("report.js"));
        _w.Write("</script>\n</body>\n</html>\n");
    }

    private void WriteHeader()
    {
        var (word, css) = _data.Run.Status switch
        {
            RunStatus.Running => ("running", "running"),
            RunStatus.Aborted => ("aborted", "bad"),
            RunStatus.Interrupted => ("interrupted", "warn"),
            _ when _s.NotSucceeded == 0 => ("all tasks succeeded", "good"),
            _ => ($"{N(_s.NotSucceeded)} of {N(_s.Tasks)} tasks did not succeed", "warn"),
        };
        string tasks = _data.Run.Tasks is { } source ? $" from <code>{H(Path.GetFileName(source.TrimEnd('/')) is { Length: > 0 } name && _data.Run.TasksKind == "file" ? name : source)}</code>" : "";
        _w.Write($"""
            <header>
            <div class="brand"><span class="logo" aria-hidden="true"></span>Grid · run report</div>
            <div class="headline"><h1>{H(_s.RunId)}</h1><span class="pill {css}" data-status="{RunEntry.StatusWord(_data.Run.Status)}">{H(word)}</span></div>
            <p class="meta"><b>{H(_s.Job)}</b> · {H(_s.Backend)} · {N(_s.Workers)} worker{(_s.Workers == 1 ? "" : "s")}, {N(_s.Slots)} slots · {N(_s.Tasks)} tasks{tasks} · {H(Time(_s.StartedAt))} → {H(Time(_s.EndedAt))}</p>
            """);
        if (_s.AbortReason is { } reason && reason != "interrupted")
        {
            _w.Write($"<p class=\"notice bad\">{H(reason)}</p>\n");
        }

        if (_data.SummaryIsDerived)
        {
            _w.Write($"<p class=\"notice\">This run has no summary.json ({(_data.Run.Status == RunStatus.Running ? "it is still running" : "its head stopped before writing one")}): the figures below are counted from its files as they are now.</p>\n");
        }

        if (_data.UnreadableLines > 0)
        {
            _w.Write($"<p class=\"notice\">{N(_data.UnreadableLines)} line{(_data.UnreadableLines == 1 ? " was" : "s were")} not records and {(_data.UnreadableLines == 1 ? "was" : "were")} skipped.</p>\n");
        }

        _w.Write("</header>\n");
    }

    private void WriteFigures()
    {
        double tasks = Math.Max(1, _s.Tasks);
        _w.Write("<section class=\"figures\" aria-label=\"summary\">\n<div class=\"cards\">\n");
        Card("tasks", "tasks", _s.Tasks, N(_s.Tasks), "");
        Card("succeeded", "succeeded", _s.Succeeded, N(_s.Succeeded), Percent(_s.Succeeded / tasks), "ok");
        Card("failed", "failed", _s.Failed, N(_s.Failed), _s.Failed > 0 ? Percent(_s.Failed / tasks) : "", _s.Failed > 0 ? "fail" : "");
        Card("timedOut", "timed out", _s.TimedOut, N(_s.TimedOut), "", _s.TimedOut > 0 ? "timeout" : "");
        Card("quarantined", "quarantined", _s.Quarantined, N(_s.Quarantined), "", _s.Quarantined > 0 ? "quarantined" : "");
        Card("notRun", "not run", _s.NotRun, N(_s.NotRun), _s.NotRun == 0 ? "" : _data.Run.Status == RunStatus.Running ? "still to run" : "the run stopped first", _s.NotRun > 0 ? "lost" : "");
        Card("retried", "retried", _s.Retried, N(_s.Retried), $"{N(_s.ApplicationRetries)} handler · {N(_s.InfrastructureRetries)} worker-loss retries");
        _w.Write("</div>\n<div class=\"cards\">\n");
        Card("wallSeconds", "wall time", _s.WallSeconds, Seconds(_s.WallSeconds), "");
        Card("tasksPerSecond", "throughput", _s.TasksPerSecond, _s.TasksPerSecond.ToString("N1", Invariant), "tasks / s");
        Card("efficiency", "efficiency", _s.Efficiency, Percent(_s.Efficiency), "busy ÷ (slots × wall)");
        Card("busySeconds", "handler time", _s.BusySeconds, Seconds(_s.BusySeconds), "sum over attempts");
        Card("slots", "slots", _s.Slots, N(_s.Slots), $"{N(_s.WorkersStarted)} workers started · {N(_s.WorkersLost)} lost");
        if (_s.TaskDurationMs is { } d)
        {
            Card("taskDurationMs.median", "median task", d.Median, Duration(d.Median), $"{Duration(d.Min)} – {Duration(d.Max)}");
        }

        _w.Write("</div>\n<div class=\"outcomes\" role=\"img\" aria-label=\"tasks by outcome\">");
        foreach (var (count, css, label) in new[] { (_s.Succeeded, "ok", "succeeded"), (_s.Failed, "fail", "failed"), (_s.TimedOut, "timeout", "timed out"), (_s.Quarantined, "quarantined", "quarantined"), (_s.NotRun, "lost", "not run") })
        {
            if (count > 0)
            {
                _w.Write($"<span class=\"{css}\" style=\"flex-grow:{count}\" title=\"{N(count)} {label}\"></span>");
            }
        }

        _w.Write("</div>\n</section>\n");
    }

    private void Card(string metric, string label, double value, string shown, string sub, string tone = "")
    {
        _w.Write($"<div class=\"card {tone}\"><div class=\"label\">{H(label)}</div><div class=\"value\" data-metric=\"{metric}\" data-value=\"{value.ToString("R", Invariant)}\">{H(shown)}</div><div class=\"sub\">{H(sub)}</div></div>\n");
    }

    private void WriteTimeline()
    {
        int attempts = _data.Attempts.Count;
        _w.Write($"""
            <section class="panel" id="timeline">
            <div class="panel-head"><h2>Timeline</h2><p>{N(attempts)} attempts of {N(_data.ResultLines)} tasks on {N(_timeline.Workers.Count)} workers; each worker's slot lanes, time from the run's start. Hover for details.</p></div>
            <div class="legend">{Legend()}</div>
            """);
        if (_timeline.Aggregated)
        {
            string rows = _timeline.RowPerWorker ? $"each worker is one row ({N(_timeline.Lanes)} lanes are too many to draw one by one)" : "each row is one slot lane";
            _w.Write($"<p class=\"notice\" data-aggregated=\"true\">Aggregated: this run has {N(attempts)} attempts, more than the {N(Timeline.MaxBars)} drawn one bar each. The timeline shows occupancy in {N(Timeline.Buckets)} time buckets of {H(Duration(_timeline.BucketMs))}: {rows}, coloured by the outcome that took most of the bucket, darker when busier.</p>\n");
        }

        _w.Write("<div id=\"gantt\" class=\"chart\"></div>\n</section>\n");
    }

    private void WriteConcurrency() => _w.Write($"""
        <section class="panel" id="concurrency-panel">
        <div class="panel-head"><h2>Concurrency</h2><p>Attempts running over time (mean per {H(Duration(_concurrency.StepMs))}), against the slots of ready workers. Peak: <b data-metric="peakRunning" data-value="{_concurrency.Peak}">{N(_concurrency.Peak)}</b> running of {N(_s.Slots)} slots.</p></div>
        <div id="concurrency" class="chart"></div>
        </section>
        """);

    private void WriteDurations()
    {
        var d = _durations;
        _w.Write($"""
            <section class="panel" id="durations-panel">
            <div class="panel-head"><h2>Task durations</h2><p>The handler's run time of each task's final attempt{(d.Count > 0 && d.Max / Math.Max(d.Min, 1e-9) > 100 && d.Min > 0 ? " (logarithmic bins)" : "")}.</p></div>
            <div id="durations" class="chart"></div>
            <table class="stats"><thead><tr><th>tasks</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr></thead>
            <tbody><tr><td class="num">{N(d.Count)}</td><td class="num">{Duration(d.Min)}</td><td class="num">{Duration(d.Percentile(50))}</td><td class="num">{Duration(d.Percentile(90))}</td><td class="num">{Duration(d.Percentile(99))}</td><td class="num">{Duration(d.Max)}</td></tr></tbody></table>
            </section>
            """);
    }

    private void WriteData(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteString("runId", _s.RunId);
        json.WriteString("origin", new DateTimeOffset(_data.Origin, TimeSpan.Zero));
        json.WriteNumber("spanMs", Math.Round(Ms(_data.End - _data.Origin), 1));
        json.WriteStartArray("outcomes");
        foreach (string name in new[] { "succeeded", "failed", "timed_out", "quarantined", "lost", "withdrawn" })
        {
            json.WriteStringValue(name);
        }

        json.WriteEndArray();
        if (!_timeline.Aggregated)
        {
            json.WriteStartArray("ids");
            foreach (string id in _data.TaskIds)
            {
                json.WriteStringValue(id);
            }

            json.WriteEndArray();
        }

        _timeline.WriteJson(json);
        _concurrency.WriteJson(json);
        json.WriteStartObject("hist");
        _durations.WriteHistogram(json, "durations");
        _queue.WriteHistogram(json, "queue");
        _startup.WriteHistogram(json, "startup");
        _run.WriteHistogram(json, "run");
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static string Legend() => string.Concat(
        new[] { ("ok", "succeeded"), ("fail", "failed"), ("timeout", "timed out"), ("quarantined", "quarantined"), ("lost", "lost with its worker"), ("withdrawn", "withdrawn (worker drained)") }
            .Select(l => $"<span><i class=\"swatch {l.Item1}\"></i>{l.Item2}</span>"))
        + "<span><i class=\"swatch queued\"></i>dispatched, never started</span><span><i class=\"swatch life\"></i>worker alive</span>";

    private static string Asset(string name)
    {
        using var stream = typeof(ReportPage).Assembly.GetManifestResourceStream("Grid.Tool.Reports." + name)
            ?? throw new InvalidOperationException($"the report asset {name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string ToolVersion() =>
        typeof(ReportPage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "";

    private static double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;

    private string Offset(long ticks) => ticks < 0 ? "" : "+" + Duration(Ms(ticks - _data.Origin));

    private static string H(string text) => WebUtility.HtmlEncode(text);

    private static string N(int value) => value.ToString("N0", Invariant);

    private static string Percent(double share) => share.ToString("P1", Invariant);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", Invariant) + " UTC";

    private static string Seconds(double seconds) => Duration(seconds * 1000);

    /// <summary>Durations as people read them: 0.42 ms, 120 ms, 6.88 s, 4 min 05 s, 2 h 03 min.</summary>
    internal static string Duration(double ms) => ms switch
    {
        < 1 => ms.ToString("0.##", Invariant) + " ms",
        < 1000 => ms.ToString(ms < 10 ? "0.#" : "0", Invariant) + " ms",
        < 60_000 => (ms / 1000).ToString(ms < 10_000 ? "0.00" : "0.0", Invariant) + " s",
        < 3_600_000 => $"{(int)(ms / 60_000)} min {(int)(ms / 1000 % 60):00} s",
        _ => $"{(long)(ms / 3_600_000):N0} h {(int)(ms / 60_000 % 60):00} min",
    };
}

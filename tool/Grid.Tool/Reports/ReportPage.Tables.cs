using System.Runtime.InteropServices;
using Grid.Tool.Cloud;

namespace Grid.Tool.Reports;

/// <summary>The report's tables: where time went, failures, workers, cost, and every summary figure.</summary>
internal sealed partial class ReportPage
{
    private void WritePhases()
    {
        double total = _queue.Mean + _startup.Mean + _run.Mean;
        _w.Write("""
            <section class="panel" id="phases">
            <div class="panel-head"><h2>Where each task's time went</h2><p>For each task's final attempt: <b>queue wait</b> from the run's start until it was dispatched to a worker, <b>start-up wait</b> from dispatch until a slot took it (worker start-up and prefetch queue), and <b>run</b> from then until its result reached the head.</p></div>
            <div class="stack" role="img" aria-label="mean time per phase">
            """);
        foreach (var (name, css, dist) in Phases())
        {
            if (total > 0 && dist.Mean > 0)
            {
                _w.Write($"<span class=\"{css}\" style=\"flex-grow:{(dist.Mean / total).ToString("0.####", Invariant)}\"><b>{name}</b> {Duration(dist.Mean)}</span>");
            }
        }

        _w.Write("""
            </div>
            <table><thead><tr><th>phase</th><th class="num">mean</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">max</th><th class="num">total</th></tr></thead><tbody>
            """);
        foreach (var (name, css, dist) in Phases())
        {
            _w.Write($"<tr><td><span class=\"swatch {css}\"></span>{name}</td><td class=\"num\">{Duration(dist.Mean)}</td><td class=\"num\">{Duration(dist.Percentile(50))}</td><td class=\"num\">{Duration(dist.Percentile(90))}</td><td class=\"num\">{Duration(dist.Percentile(99))}</td><td class=\"num\">{Duration(dist.Max)}</td><td class=\"num\">{Seconds(dist.Sum / 1000)}</td></tr>\n");
        }

        _w.Write("""
            </tbody></table>
            <div class="trio"><div><h3>queue wait</h3><div id="h-queue" class="chart small"></div></div><div><h3>start-up wait</h3><div id="h-startup" class="chart small"></div></div><div><h3>run</h3><div id="h-run" class="chart small"></div></div></div>
            </section>
            """);
    }

    private IEnumerable<(string Name, string Css, Distribution Dist)> Phases() =>
        [("queue wait", "queue", _queue), ("start-up wait", "startup", _startup), ("run", "run", _run)];

    private void WriteFailures()
    {
        var failures = _data.Failures;
        _w.Write($"""
            <section class="panel" id="failures">
            <div class="panel-head"><h2>Failures</h2><p>{(failures.Attempts == 0 ? "No attempt failed." : $"{N(failures.Attempts)} failed attempts ({N(failures.FinalAttempts)} final, {N(failures.Attempts - failures.FinalAttempts)} retried) in {N(failures.Count)} group{(failures.Count == 1 ? "" : "s")}: the exception type and its message with numbers, ids, hex, guids and paths made placeholders.")}</p></div>
            """);
        if (failures.Count > 0)
        {
            _w.Write("<table class=\"failures\"><thead><tr><th>signature</th><th class=\"num\">final</th><th class=\"num\">retried</th><th class=\"num\">tasks</th></tr></thead><tbody>\n");
            foreach (var group in failures.Ordered().Take(MaxFailureGroups))
            {
                string sample = group.SampleStack ?? group.SampleMessage;
                _w.Write($"""
                    <tr data-signature="{H(group.Signature)}" data-final="{group.Final}" data-retried="{group.Retried}" data-tasks="{group.Tasks.Count}">
                    <td><div class="sig"><code class="type">{H(group.Type)}</code> {H(group.Pattern)}</div>
                    <details><summary>sample: task <code>{H(group.SampleTask)}</code>{(group.SampleIsFinal ? "" : " (retried)")}</summary><pre>{H(sample)}</pre></details></td>
                    <td class="num">{N(group.Final)}</td><td class="num">{N(group.Retried)}</td><td class="num">{N(group.Tasks.Count)}</td></tr>

                    """);
            }

            _w.Write("</tbody></table>\n");
            if (failures.Count > MaxFailureGroups)
            {
                _w.Write($"<p class=\"more\">…and {N(failures.Count - MaxFailureGroups)} smaller groups; errors.jsonl has every failed attempt.</p>\n");
            }
        }

        _w.Write("</section>\n");
    }

    private void WriteWorkers()
    {
        var attempts = new int[_data.Workers.Count];
        var busy = new double[_data.Workers.Count];
        foreach (ref readonly var span in CollectionsMarshal.AsSpan(_data.Attempts))
        {
            attempts[span.Worker]++;
            if (span.Started >= 0)
            {
                busy[span.Worker] += Ms(span.Ended - span.Started);
            }
        }

        _w.Write($"""
            <section class="panel" id="workers">
            <div class="panel-head"><h2>Workers</h2><p>{N(_timeline.Workers.Count)} workers: when each started, how long it took to be ready, and how busy its slots were while it lived.</p></div>
            <table><thead><tr><th>worker</th><th>where</th><th class="num">slots</th><th class="num">launched</th><th class="num">ready after</th><th class="num">ended</th><th class="num">attempts</th><th class="num">completed</th><th class="num">busy</th><th>end</th></tr></thead><tbody>

            """);
        foreach (var w in _timeline.Workers.Take(MaxWorkerRows))
        {
            var life = w.Life;
            double lived = life.Ready >= 0 && life.Ended >= life.Ready ? Ms(life.Ended - life.Ready) : 0;
            string busyShare = lived > 0 ? Percent(busy[w.Index] / (lived * Math.Max(1, life.Slots))) : "";
            _w.Write($"<tr><td><code>{H(life.Id)}</code></td><td>{H(life.Location)}</td><td class=\"num\">{N(life.Slots)}</td><td class=\"num\">{Offset(life.Launched)}</td><td class=\"num\">{(life.Ready >= 0 && life.Launched >= 0 ? Duration(Ms(life.Ready - life.Launched)) : "never")}</td><td class=\"num\">{Offset(life.Ended)}</td><td class=\"num\">{N(attempts[w.Index])}</td><td class=\"num\">{N(life.Completed)}</td><td class=\"num\">{busyShare}</td><td>{H(life.End)}</td></tr>\n");
        }

        _w.Write("</tbody></table>\n");
        if (_timeline.Workers.Count > MaxWorkerRows)
        {
            _w.Write($"<p class=\"more\">…and {N(_timeline.Workers.Count - MaxWorkerRows)} more; workers.jsonl lists every one.</p>\n");
        }

        _w.Write("</section>\n");
    }

    private void WriteCost()
    {
        var lines = CostSources.All.SelectMany(source => source.Lines(_s, _data.Run.Folder)).ToList();
        bool priced = lines.Any(l => l.UnitPrice is not null || l.OnDemandUnitPrice is not null);
        bool cloud = lines.Any(l => l.InstanceType is not null);
        string about = cloud
            ? "The instances the run paid for, from launch to end, as cloud.json records them."
            : _s.Backend.StartsWith("aws-", StringComparison.Ordinal)
                ? "cloud.json records no instances for this run (its teardown did not read them back)."
                : "What the run used. On this machine a slot counts as one CPU.";
        _w.Write($"""
            <section class="panel" id="cost">
            <div class="panel-head"><h2>Cost</h2><p>{H(about)}</p></div>
            <table><thead><tr><th>item</th><th class="num">quantity</th><th class="num">hours</th><th>basis</th>
            """);
        _w.Write(priced
            ? "<th class=\"num\">price</th><th class=\"num\">amount</th><th class=\"num\">on-demand price</th><th class=\"num\">on-demand amount</th></tr></thead><tbody>\n"
            : "</tr></thead><tbody>\n");
        foreach (var line in lines)
        {
            _w.Write($"<tr data-cost=\"{H(line.Item)}\" data-quantity=\"{line.Quantity.ToString("R", Invariant)}\"");
            if (line.InstanceType is not null)
            {
                _w.Write($" data-instance-type=\"{H(line.InstanceType)}\" data-lifecycle=\"{H(line.Lifecycle ?? "")}\" data-hours=\"{line.Hours.ToString("R", Invariant)}\""
                    + $" data-price=\"{Exact(line.UnitPrice)}\" data-amount=\"{Exact(line.Amount)}\" data-on-demand-price=\"{Exact(line.OnDemandUnitPrice)}\" data-on-demand-amount=\"{Exact(line.OnDemandAmount)}\"");
            }

            _w.Write($"><td>{H(line.Item)}</td><td class=\"num\">{line.Quantity.ToString(line.Unit == CostLine.InstanceHours ? "N3" : "N1", Invariant)} {H(line.Unit)}</td><td class=\"num\">{line.Hours.ToString("N3", Invariant)}</td><td>{H(line.Basis)}</td>");
            if (priced)
            {
                bool instance = line.InstanceType is not null;
                _w.Write($"<td class=\"num\">{(instance ? Rate(line.UnitPrice) : "")}</td><td class=\"num\">{(instance ? Cost(line.Amount) : "")}</td>"
                    + $"<td class=\"num\">{(instance ? Rate(line.OnDemandUnitPrice) : "")}</td><td class=\"num\">{(instance ? Cost(line.OnDemandAmount) : "")}</td>");
            }

            _w.Write("</tr>\n");
        }

        _w.Write("</tbody></table>\n");
        if (cloud)
        {
            var instances = lines.Where(l => l.InstanceType is not null).ToList();
            decimal? total = instances.Aggregate((decimal?)0, (sum, l) => sum + l.Amount);
            decimal? onDemand = instances.Aggregate((decimal?)0, (sum, l) => sum + l.OnDemandAmount);
            string saved = total is { } t && onDemand is { } o && o > 0 ? $" ({(1 - (t / o)).ToString("P0", Invariant)} less)" : "";
            _w.Write($"<p class=\"sub\" data-total=\"{Exact(total)}\" data-on-demand-total=\"{Exact(onDemand)}\">Total {Cost(total)} against {Cost(onDemand)} on demand{saved}. "
                + "Spot hours are priced at the spot price in force in each instance's zone at each moment (cloud.json's spot price history), so a line's price is the mean weighted by time. "
                + $"On-demand prices are Grid's table of {OnDemandPrices.Region} list prices for Linux; other regions differ; — marks a type not in it.</p>\n");
        }

        _w.Write($"<p class=\"sub\">Efficiency {Percent(_s.Efficiency)}: the share of held slot time spent in handlers.</p>\n</section>\n");
    }

    /// <summary>A price per instance-hour: spot prices need four decimals.</summary>
    private static string Rate(decimal? price) => price is { } p ? "$" + p.ToString("0.0000", Invariant) + "/h" : "—";

    /// <summary>An amount: cents, or four decimals under a dollar (a short run's instances cost fractions of a cent).</summary>
    private static string Cost(decimal? amount) => amount is { } a ? "$" + a.ToString(a < 1 ? "0.0000" : "N2", Invariant) : "—";

    private static string Exact(decimal? value) => value?.ToString(Invariant) ?? "";

    private void WriteAllFigures()
    {
        var s = _s;
        var d = s.TaskDurationMs;
        (string Name, string Value)[] rows =
        [
            ("tasks", N(s.Tasks)), ("succeeded", N(s.Succeeded)), ("failed", N(s.Failed)), ("timed out", N(s.TimedOut)),
            ("quarantined", N(s.Quarantined)), ("not run", N(s.NotRun)), ("retried tasks", N(s.Retried)),
            ("handler retries", N(s.ApplicationRetries)), ("worker-loss retries", N(s.InfrastructureRetries)),
            ("fenced results", N(s.FencedResults)), ("workers", N(s.Workers)), ("workers started", N(s.WorkersStarted)),
            ("workers lost", N(s.WorkersLost)), ("slots", N(s.Slots)), ("wall time", Seconds(s.WallSeconds)),
            ("throughput", s.TasksPerSecond.ToString("N1", Invariant) + " tasks/s"), ("handler time", Seconds(s.BusySeconds)),
            ("efficiency", Percent(s.Efficiency)),
            ("task duration min / median / max", d is null ? "" : $"{Duration(d.Min)} / {Duration(d.Median)} / {Duration(d.Max)}"),
            ("exit code", s.ExitCode.ToString(Invariant)),
        ];
        _w.Write($"""
            <section class="panel" id="figures">
            <div class="panel-head"><h2>Every figure</h2><p>{(_data.SummaryIsDerived ? "Counted from the run's files." : "As in summary.json.")}</p></div>
            <dl class="all">

            """);
        foreach (var (name, value) in rows)
        {
            _w.Write($"<div><dt>{H(name)}</dt><dd>{H(value)}</dd></div>\n");
        }

        _w.Write("</dl>\n</section>\n");
    }
}

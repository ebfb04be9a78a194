using System.Globalization;
using Spectre.Console;

namespace Grid.Tool.Output;

/// <summary>The table printed when a run ends, and its last line: exactly <c>run &lt;id&gt;: &lt;n&gt; succeeded, &lt;m&gt; failed</c>.</summary>
public static class SummaryTable
{
    public static void Write(TextWriter output, RunSummary summary, RunFolder folder)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        var table = new Table().Border(TableBorder.Rounded).AddColumn("run " + summary.RunId).AddColumn(new TableColumn("").RightAligned());
        foreach (var (name, value) in Rows(summary))
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
        }

        console.Write(table);
        output.WriteLine($"results: {Path.Combine(folder.Path, "results.jsonl")}");
        output.WriteLine($"run {summary.RunId}: {summary.Succeeded} succeeded, {summary.NotSucceeded} failed");
        output.Flush();
    }

    private static IEnumerable<(string, string)> Rows(RunSummary s)
    {
        var c = CultureInfo.InvariantCulture;
        yield return ("tasks", s.Tasks.ToString("N0", c));
        yield return ("succeeded", s.Succeeded.ToString("N0", c));
        yield return ("failed", s.Failed.ToString("N0", c));
        if (s.TimedOut > 0)
        {
            yield return ("timed out", s.TimedOut.ToString("N0", c));
        }

        yield return ("quarantined", s.Quarantined.ToString("N0", c));
        if (s.NotRun > 0)
        {
            yield return ("not run", s.NotRun.ToString("N0", c));
        }

        yield return ("retried", $"{s.Retried.ToString("N0", c)} ({s.ApplicationRetries.ToString("N0", c)} handler, {s.InfrastructureRetries.ToString("N0", c)} worker loss)");
        yield return ("workers", $"{s.Workers} ({s.Slots} slots; {s.WorkersStarted} started, {s.WorkersLost} lost)");
        yield return ("wall time", $"{s.WallSeconds.ToString("0.00", c)} s");
        yield return ("tasks/s", s.TasksPerSecond.ToString("N1", c));
        if (s.TaskDurationMs is { } d)
        {
            yield return ("task duration (min/median/max)", $"{Ms(d.Min)} / {Ms(d.Median)} / {Ms(d.Max)}");
        }

        yield return ("efficiency", s.Efficiency.ToString("P1", c));
    }

    private static string Ms(double ms) => ms >= 1000
        ? (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s"
        : ms.ToString("0.###", CultureInfo.InvariantCulture) + " ms";
}

using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grid.Tool.Output;
using Grid.Tool.Reports;
using Xunit.Abstractions;

namespace Grid.Tool.Tests;

public sealed partial class RunReportTests(ITestOutputHelper output)
{
    /// <summary>The summary.json figures the page shows as cards, each with its exact value in data-value.</summary>
    private static readonly string[] Figures = ["tasks", "succeeded", "failed", "timedOut", "quarantined", "notRun", "retried", "wallSeconds", "tasksPerSecond", "efficiency", "busySeconds", "slots"];

    [Fact]
    public async Task ReportOfALocalRunShowsEveryAttemptAndTheSummarysFiguresInChromium()
    {
        using var run = new ToolRun();
        string tasks = TestJob.WriteTasks(run.Directory, TestJob.Plain(120, i => i % 15 == 4
            ? new JsonObject { ["throw"] = $"bad input {i}" }
            : new JsonObject { ["sleepMs"] = 10 + (i * 37 % 60) }));

        int exit = await run.RunAsync("--tasks", tasks, "--workers", "2", "--slots", "2", "--max-attempts", "2", "--run-id", "shown");

        Assert.True(exit == 1, run.Error + run.Out);
        string folder = run.RunFolder("shown");
        string report = Path.Combine(folder, "report.html");
        Assert.True(File.Exists(report), "every run ends by writing report.html");
        Assert.True(File.Exists(Path.Combine(folder, "results.csv")), "every run ends by writing results.csv");

        string html = await File.ReadAllTextAsync(report);
        AssertSelfContained(html);

        var (dom, elapsed) = await Chromium.DumpDomAsync(report);
        output.WriteLine($"chromium loaded the report in {elapsed.TotalSeconds:0.00} s");
        int attempts = File.ReadLines(Path.Combine(folder, "results.jsonl")).Count() + File.ReadLines(Path.Combine(folder, "attempts.jsonl")).Count();
        Assert.Equal(120 + 8, attempts);
        Assert.Equal(attempts, Bar().Count(dom));
        Assert.DoesNotContain("data-aggregated=\"true\"", dom, StringComparison.Ordinal);

        var shown = Metric().Matches(dom).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        var summary = SummaryFile.Read(folder);
        foreach (string name in Figures)
        {
            Assert.True(shown.ContainsKey(name), $"the page shows no {name}");
            Assert.Equal(summary[name]!.GetValue<double>(), shown[name]);
        }

        Assert.Equal(summary["taskDurationMs"]!["median"]!.GetValue<double>(), shown["taskDurationMs.median"]);

        string png = Chromium.ArtifactPath("local-run-report.png");
        await Chromium.ScreenshotAsync(report, png);
        output.WriteLine($"screenshot: {png}");
    }

    [Fact]
    public async Task FailuresAreGroupedByExceptionSignatureWithFinalAndRetriedCounts()
    {
        using var run = new ToolRun();
        string tasks = TestJob.WriteTasks(run.Directory, TestJob.Plain(60, i =>
            i % 10 == 3 ? new JsonObject { ["throw"] = $"bad input {i}" }
            : i % 20 == 7 ? new JsonObject { ["throw"] = $"store 10.0.0.{i} did not answer for /data/in/{i}.json" }
            : []));

        int exit = await run.RunAsync("--tasks", tasks, "--workers", "2", "--max-attempts", "2", "--run-id", "failing");

        Assert.Equal(1, exit);
        string html = await File.ReadAllTextAsync(Path.Combine(run.RunFolder("failing"), "report.html"));
        var groups = FailureRow().Matches(html).ToDictionary(
            m => WebUtility.HtmlDecode(m.Groups["signature"].Value),
            m => (Final: int.Parse(m.Groups["final"].Value, CultureInfo.InvariantCulture), Retried: int.Parse(m.Groups["retried"].Value, CultureInfo.InvariantCulture), Tasks: int.Parse(m.Groups["tasks"].Value, CultureInfo.InvariantCulture)));
        Assert.Equal(2, groups.Count);
        Assert.Equal((6, 6, 6), groups["System.InvalidOperationException: bad input <n>"]);
        Assert.Equal((3, 3, 3), groups["System.InvalidOperationException: store <n> did not answer for <path>"]);
        Assert.Contains("at Program.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultsCsvHasAColumnPerOutputFieldAndQuotesLikeRfc4180()
    {
        using var run = new ToolRun();
        var results = new[]
        {
            """{"id":"a","status":"succeeded","output":{"name":"plain","n":1},"attempts":1,"worker":"w1","dispatched":"2026-11-21T06:00:00.1Z","started":"2026-11-21T06:00:00.2Z","ended":"2026-11-21T06:00:00.3Z","durationMs":100.5}""",
            """{"id":"b,\"quoted\"","status":"succeeded","output":{"n":2,"nested":{"x": [1, 2]},"name":"line\nbreak"},"attempts":2,"worker":"w2","dispatched":"2026-11-21T06:00:00.1Z","started":"2026-11-21T06:00:00.2Z","ended":"2026-11-21T06:00:00.3Z","durationMs":3}""",
            """{"id":"c","status":"failed","error":{"type":"System.IO.IOException","message":"disk, full","stack":"at X"},"attempts":3,"worker":"w1","dispatched":"2026-11-21T06:00:00.1Z","started":"2026-11-21T06:00:00.2Z","ended":"2026-11-21T06:00:00.3Z","durationMs":7}""",
            """{"id":"d","status":"succeeded","output":42,"attempts":1,"worker":"w1","dispatched":"2026-11-21T06:00:00.1Z","started":"2026-11-21T06:00:00.2Z","ended":"2026-11-21T06:00:00.3Z","durationMs":1}""",
        };
        string folder = run.RunFolder("csv");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "run.json"), """{"runId":"csv","job":"J","backend":"local","tasksKind":"file","tasks":"t.jsonl","taskCount":4,"startedAt":"2026-11-21T06:00:00Z","headProcessId":1}""");
        File.WriteAllLines(Path.Combine(folder, "results.jsonl"), results);

        Assert.Equal(0, await GridCli.InvokeAsync(["report", "csv"], run.Context));

        var rows = ParseCsv(File.ReadAllText(Path.Combine(folder, "results.csv")));
        Assert.Equal(["id", "status", "attempts", "worker", "dispatched", "started", "ended", "durationMs", "output", "output.name", "output.n", "output.nested", "error.type", "error.message"], rows[0]);
        Assert.Equal(["a", "succeeded", "1", "w1", "2026-11-21T06:00:00.1Z", "2026-11-21T06:00:00.2Z", "2026-11-21T06:00:00.3Z", "100.5", "", "plain", "1", "", "", ""], rows[1]);
        Assert.Equal("b,\"quoted\"", rows[2][0]);
        Assert.Equal("line\nbreak", rows[2][9]);
        Assert.Equal("{\"x\":[1,2]}", rows[2][11]);
        Assert.Equal(["System.IO.IOException", "disk, full"], rows[3][^2..]);
        Assert.Equal("42", rows[4][8]);
        Assert.Equal(5, rows.Count);
        Assert.Contains("\r\n", File.ReadAllText(Path.Combine(folder, "results.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultsCsvCutsCellsTooLongForASpreadsheetAndSaysWhereTheWholeValueIs()
    {
        using var run = new ToolRun();
        string plain = new('x', 100_000);
        string escaped = string.Concat(Enumerable.Repeat("é\\n\\\"", 20_000));
        string Line(string id, string output) =>
            $$"""{"id":"{{id}}","status":"succeeded","output":{{output}},"attempts":1,"worker":"w1","dispatched":"2026-11-21T06:00:00.1Z","started":"2026-11-21T06:00:00.2Z","ended":"2026-11-21T06:00:00.3Z","durationMs":1}""";
        string folder = run.RunFolder("long");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "run.json"), """{"runId":"long","job":"J","backend":"local","tasksKind":"file","tasks":"t.jsonl","taskCount":3,"startedAt":"2026-11-21T06:00:00Z","headProcessId":1}""");
        File.WriteAllLines(Path.Combine(folder, "results.jsonl"),
        [
            Line("plain", $"\"{plain}\""),
            Line("escaped", $$"""{"text":"{{escaped}}","short":"é"}"""),
            Line("array", $"[{string.Join(',', Enumerable.Repeat("12345", 10_000))}]"),
        ]);

        Assert.Equal(0, await GridCli.InvokeAsync(["report", "long"], run.Context));

        var rows = ParseCsv(File.ReadAllText(Path.Combine(folder, "results.csv")));
        Assert.Equal(["output", "output.text", "output.short"], rows[0][8..11]);
        string cutPlain = rows[1][8], cutEscaped = rows[2][9], cutArray = rows[3][8];
        Assert.All(new[] { cutPlain, cutEscaped, cutArray }, cell =>
        {
            Assert.Equal(ResultsCsv.MaxCellCharacters, cell.Length);
            Assert.EndsWith("is in results.jsonl]", cell, StringComparison.Ordinal);
        });
        Assert.StartsWith(new string('x', 30_000), cutPlain, StringComparison.Ordinal);
        Assert.Contains("100,000 bytes", cutPlain, StringComparison.Ordinal);
        Assert.StartsWith(string.Concat(Enumerable.Repeat("é\n\"", 1_000)), cutEscaped, StringComparison.Ordinal);
        Assert.StartsWith("[12345,12345,", cutArray, StringComparison.Ordinal);
        Assert.Equal("é", rows[2][10]);

        // results.jsonl keeps every value whole.
        Assert.Contains(plain, File.ReadAllText(Path.Combine(folder, "results.jsonl")), StringComparison.Ordinal);
    }

    /// <summary>Nothing in the page may reach outside it: no remote src or href, no @import, no remote url().</summary>
    internal static void AssertSelfContained(string html)
    {
        Assert.Empty(RemoteReference().Matches(html).Select(m => m.Value));
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link rel=\"stylesheet\"", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("<script[^>]+src=", html);
        Assert.Contains("Content-Security-Policy\" content=\"default-src 'none'", html, StringComparison.Ordinal);
    }

    /// <summary>RFC 4180: fields split by commas, rows by CRLF, a quoted field may hold both and doubles its quotes.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        return rows;
    }

    [GeneratedRegex("data-bar=\"q?[0-9]+\"")]
    private static partial Regex Bar();

    [GeneratedRegex("data-metric=\"([A-Za-z.]+)\" data-value=\"([^\"]+)\"")]
    private static partial Regex Metric();

    [GeneratedRegex("<tr data-signature=\"(?<signature>[^\"]*)\" data-final=\"(?<final>[0-9]+)\" data-retried=\"(?<retried>[0-9]+)\" data-tasks=\"(?<tasks>[0-9]+)\"")]
    private static partial Regex FailureRow();

    [GeneratedRegex("""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex RemoteReference();
}

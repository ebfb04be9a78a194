using Grid.Tool.Reports;

namespace Grid.Tool.Output;

/// <summary>What a run leaves for people beside its records: report.html and results.csv, both made from the run folder's files alone.</summary>
public static class RunArtifacts
{
    public const string ReportFileName = "report.html";

    public const string CsvFileName = "results.csv";

    /// <summary>
    /// Written at the end of a run. The run's results are already committed, so a report that cannot be
    /// written is a line on stderr, not a failed run; `dotnet grid report` writes it again.
    /// </summary>
    public static void Write(RunFolder folder, RunSummary summary, TextWriter error)
    {
        try
        {
            Render(folder);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The run itself went as its exit code says; the report is a view of it that can be made again.
            var cause = e is AggregateException { InnerExceptions: [var inner] } ? inner : e;
            error.WriteLine($"The report of run {summary.RunId} could not be written ({cause.GetType().Name}: {cause.Message}); `dotnet grid report {summary.RunId}` writes it again.");
        }
    }

    /// <summary>Writes report.html and results.csv into the run folder; returns the report's path.</summary>
    public static string Render(RunFolder folder) => Render(RunCatalog.Find(Path.GetDirectoryName(Path.GetDirectoryName(folder.Path))!, folder.RunId));

    internal static string Render(RunEntry run)
    {
        string report = Path.Combine(run.Folder.Path, ReportFileName);
        // Independent reads of the same files: on two cores or more they take the time of the longer one.
        Parallel.Invoke(
            () => ResultsCsv.Write(run.Folder, Path.Combine(run.Folder.Path, CsvFileName)),
            () => ReportPage.Write(RunData.Read(run), report));
        return report;
    }
}

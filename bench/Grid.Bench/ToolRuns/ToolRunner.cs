using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Grid.Bench.ToolRuns;

/// <summary>One finished <c>dotnet grid run</c>: its summary.json, the wall-clock of the whole command, CPU by role.</summary>
internal sealed record ToolRun(string RunFolder, JsonObject Summary, double CommandSeconds, DateTimeOffset StartedAt, Dictionary<string, double> Cpu)
{
    public double SummaryDouble(string name) => Summary[name]!.GetValue<double>();
}

/// <summary>
/// Runs the real tool the way a user would, on a job built beforehand:
/// <c>dotnet dotnet-grid.dll run --local --no-build --project JOB --tasks FILE --workers N --run-id ID</c>.
/// </summary>
internal sealed class ToolRunner
{
    private readonly string _tool;
    private readonly string _project;
    private readonly string _work;
    private int _runs;

    public ToolRunner(BenchArgs args)
    {
        _tool = Path.GetFullPath(args.String("tool"));
        _project = Path.GetFullPath(args.String("project"));
        _work = Path.GetFullPath(args.String("work"));
        Directory.CreateDirectory(_work);
    }

    public string Work => _work;

    public string Project => _project;

    /// <summary>Writes a tasks file of <paramref name="count"/> lines made by <paramref name="line"/>, once per name.</summary>
    public string TasksFile(string name, int count, Func<int, string> line)
    {
        string path = Path.Combine(_work, name);
        using var writer = new StreamWriter(path, append: false);
        for (int i = 0; i < count; i++)
        {
            writer.Write(line(i));
            writer.Write('\n');
        }

        return path;
    }

    /// <summary>Runs the tool to its end; fails unless every task succeeded.</summary>
    public Task<ToolRun> RunAsync(string label, string tasksFile, int workers, params string[] extra) =>
        RunAsync(label, tasksFile, workers, noBuild: true, extra);

    /// <summary>One run that builds the job as a user's first `dotnet grid run` does; later --no-build runs reuse what it recorded.</summary>
    public Task<ToolRun> BuildingRunAsync(string label, string tasksFile, int workers) =>
        RunAsync(label, tasksFile, workers, noBuild: false, []);

    private async Task<ToolRun> RunAsync(string label, string tasksFile, int workers, bool noBuild, string[] extra)
    {
        string runId = $"{label}-{Environment.ProcessId}-{++_runs}";
        string log = Path.Combine(_work, runId + ".log");
        string[] args =
        [
            _tool, "run", "--local", .. (noBuild ? new[] { "--no-build" } : []), "--project", _project, "--tasks", tasksFile,
            "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--run-id", runId, .. extra,
        ];
        var environment = new Dictionary<string, string> { ["CI"] = "true", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };

        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        using var process = ChildProcess.Start(ChildProcess.DotnetHost, args, _work, environment, log);
        var sampler = new ProcessTreeCpu(process.Id);
        int exit;
        try
        {
            exit = await process.WaitForExitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            clock.Stop();
        }
        finally
        {
            await sampler.DisposeAsync().ConfigureAwait(false);
        }

        var cpu = sampler.Totals();

        string folder = Path.Combine(_work, "grid-runs", runId);
        if (exit != 0)
        {
            throw new InvalidOperationException($"dotnet grid run exited {exit}; see {log}");
        }

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!.AsObject();
        File.Delete(log);
        return new ToolRun(folder, summary, clock.Elapsed.TotalSeconds, startedAt, cpu);
    }

    /// <summary>Removes a run's folder (results of large runs are hundreds of MB).</summary>
    public static void Remove(ToolRun run) => Directory.Delete(run.RunFolder, recursive: true);
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Grid.Tool.Head;

namespace Grid.Tool.Output;

/// <summary>The figures of a finished run: summary.json, and the table printed at the end.</summary>
public sealed record RunSummary
{
    public required string RunId { get; init; }

    public required string Job { get; init; }

    public required string Backend { get; init; }

    public int Tasks { get; init; }

    public int Succeeded { get; init; }

    public int Failed { get; init; }

    public int TimedOut { get; init; }

    public int Quarantined { get; init; }

    /// <summary>Tasks that never ended (the run was aborted or interrupted).</summary>
    public int NotRun { get; init; }

    /// <summary>Tasks that needed more than one attempt.</summary>
    public int Retried { get; init; }

    public int ApplicationRetries { get; init; }

    public int InfrastructureRetries { get; init; }

    public int FencedResults { get; init; }

    public int Workers { get; init; }

    public int Slots { get; init; }

    public int WorkersStarted { get; init; }

    public int WorkersLost { get; init; }

    /// <summary>How the run's workers ended, by cause: finished, drained, killed (SIGKILL: OOM or an operator), crashed, exited, disconnected, lease_expired, protocol_error, killed_by_head.</summary>
    public IReadOnlyDictionary<string, int> WorkerEnds { get; init; } = new Dictionary<string, int>();

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset EndedAt { get; init; }

    public double WallSeconds { get; init; }

    public double TasksPerSecond { get; init; }

    public double BusySeconds { get; init; }

    /// <summary>Busy time / (slots × wall): the share of the run's slot time spent in handlers.</summary>
    public double Efficiency { get; init; }

    public DurationSpread? TaskDurationMs { get; init; }

    public string? AbortReason { get; init; }

    /// <summary>How many times the run was resumed.</summary>
    public int Resumes { get; init; }

    /// <summary>Tasks committed by earlier heads of this run (they are in the counts above).</summary>
    public int PreviouslyCommitted { get; init; }

    public int ExitCode { get; init; }

    /// <summary>Failed, timed out, quarantined and never run: everything but success.</summary>
    [JsonIgnore]
    public int NotSucceeded => Failed + TimedOut + Quarantined + NotRun;

    public static RunSummary From(RunStatistics s, string runId, string job, string backend, int workers, int exitCode)
    {
        double wall = Math.Max(s.Wall.TotalSeconds, 1e-6);
        double busy = s.BusyMicroseconds / 1e6;
        return new RunSummary
        {
            RunId = runId,
            Job = job,
            Backend = backend,
            Tasks = s.Total,
            Succeeded = s.Succeeded,
            Failed = s.Failed,
            TimedOut = s.TimedOut,
            Quarantined = s.Quarantined,
            NotRun = s.Total - s.Completed,
            Retried = s.RetriedTasks,
            ApplicationRetries = s.ApplicationRetries,
            InfrastructureRetries = s.InfrastructureRetries,
            FencedResults = s.FencedResults,
            Workers = workers,
            Slots = s.PeakSlots,
            WorkersStarted = s.WorkersStarted,
            WorkersLost = s.WorkersLost,
            WorkerEnds = new Dictionary<string, int>(s.WorkerEnds),
            StartedAt = s.StartedAt,
            EndedAt = s.EndedAt,
            WallSeconds = Math.Round(wall, 3),
            TasksPerSecond = Math.Round(s.Completed / wall, 1),
            BusySeconds = Math.Round(busy, 3),
            Efficiency = s.PeakSlots == 0 ? 0 : Math.Round(busy / (s.PeakSlots * wall), 4),
            TaskDurationMs = DurationSpread.Of(s.DurationsMs),
            AbortReason = s.AbortReason,
            PreviouslyCommitted = s.PreviouslyCommitted,
            ExitCode = exitCode,
        };
    }

    public void Write(string path)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, SummaryJson.Default.RunSummary) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    public static RunSummary Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), SummaryJson.Default.RunSummary)
        ?? throw new InvalidDataException($"{path} is empty");
}

/// <summary>Min, median and max of the attempts' run times.</summary>
public sealed record DurationSpread(double Min, double Median, double Max)
{
    public static DurationSpread? Of(List<float> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        double median = sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;
        return new DurationSpread(Math.Round(sorted[0], 3), Math.Round(median, 3), Math.Round(sorted[^1], 3));
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunSummary))]
internal sealed partial class SummaryJson : JsonSerializerContext;

using Grid.Tool.Output;

namespace Grid.Tool.Reports;

/// <summary>How an attempt ended. The first four end a task (results.jsonl); the last two only an attempt (attempts.jsonl).</summary>
internal enum Outcome : byte
{
    Succeeded,
    Failed,
    TimedOut,
    Quarantined,
    Lost,
    Withdrawn,
}

/// <summary>One attempt of one task. Times are UTC ticks; <see cref="Started"/> is -1 when a slot never took it.</summary>
internal struct AttemptSpan
{
    public int Task;
    public int Worker;
    public int Attempt;
    public Outcome Outcome;
    public bool Final;
    public long Dispatched;
    public long Started;
    public long Ended;

    /// <summary>The handler's run time as the worker measured it (final attempts), else started→ended.</summary>
    public double DurationMs;
}

/// <summary>One worker's life from workers.jsonl (or, for a worker whose line is missing, what its attempts show).</summary>
internal sealed class WorkerLife
{
    public required string Id { get; init; }

    public string Location { get; set; } = "";

    public int Slots { get; set; }

    public long Launched { get; set; } = -1;

    public long Ready { get; set; } = -1;

    public long Ended { get; set; } = -1;

    public int Completed { get; set; }

    public string End { get; set; } = "";

    /// <summary>Whether workers.jsonl had its line.</summary>
    public bool Recorded { get; set; }
}

/// <summary>Everything the report shows, read from a run folder's files alone, so a report re-rendered later is the same.</summary>
internal sealed partial class RunData
{
    private readonly Dictionary<string, int> _taskIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _workerIndex = new(StringComparer.Ordinal);

    private RunData(RunEntry run)
    {
        Run = run;
    }

    public RunEntry Run { get; }

    /// <summary>summary.json, or figures counted from the files when the run has none (see <see cref="SummaryIsDerived"/>).</summary>
    public RunSummary Summary { get; private set; } = null!;

    public bool SummaryIsDerived { get; private set; }

    /// <summary>Task ids by the index attempts refer to.</summary>
    public List<string> TaskIds { get; } = [];

    /// <summary>Every attempt: the final one of each ended task and every earlier one.</summary>
    public List<AttemptSpan> Attempts { get; } = [];

    public List<WorkerLife> Workers { get; } = [];

    public FailureGroups Failures { get; } = new();

    public int ResultLines { get; private set; }

    /// <summary>Lines that were not records (a hand edit, or a torn line from a crashed head), skipped.</summary>
    public int UnreadableLines { get; private set; }

    /// <summary>Time zero of every chart: the run's start.</summary>
    public long Origin { get; private set; }

    /// <summary>The end of every chart: the run's end, or the last thing that happened.</summary>
    public long End { get; private set; }

    public static RunData Read(RunEntry run)
    {
        var data = new RunData(run);
        data.ReadResults(run.Folder.Results);
        data.ReadAttempts(run.Folder.Attempts);
        data.ReadWorkers(run.Folder.Workers);
        data.ReadErrors(run.Folder.Errors);
        data.Finish();
        return data;
    }

    private void Add(ref AttemptSpan span, string? id, string? worker)
    {
        if (id is null || span.Dispatched < 0 || span.Ended < 0)
        {
            UnreadableLines++;
            return;
        }

        if (!_taskIndex.TryGetValue(id, out int task))
        {
            task = TaskIds.Count;
            _taskIndex[id] = task;
            TaskIds.Add(id);
        }

        span.Task = task;
        span.Worker = WorkerIndex(worker ?? "");
        if (span.Started >= 0 && span.Started < span.Dispatched)
        {
            span.Started = span.Dispatched;
        }

        Attempts.Add(span);
    }

    private int WorkerIndex(string id)
    {
        if (!_workerIndex.TryGetValue(id, out int index))
        {
            index = Workers.Count;
            _workerIndex[id] = index;
            Workers.Add(new WorkerLife { Id = id.Length == 0 ? "(none)" : id });
        }

        return index;
    }

    private void Finish()
    {
        var summary = Run.Summary;
        SummaryIsDerived = summary is null;
        long first = long.MaxValue, last = long.MinValue;
        foreach (ref readonly var span in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(Attempts))
        {
            first = Math.Min(first, span.Dispatched);
            last = Math.Max(last, span.Ended);
        }

        foreach (var worker in Workers)
        {
            if (worker.Slots == 0)
            {
                worker.Slots = Math.Max(1, Run.SlotsPerWorker);
            }

            if (worker.Launched >= 0)
            {
                first = Math.Min(first, worker.Launched);
            }

            last = Math.Max(last, worker.Ended);
        }

        Origin = (summary?.StartedAt ?? Run.StartedAt).UtcTicks;
        if (first != long.MaxValue && first < Origin)
        {
            // A resumed run's earlier results come from before the current head started.
            Origin = Math.Min(first, Run.StartedAt.UtcTicks);
        }

        End = Math.Max(summary?.EndedAt.UtcTicks ?? long.MinValue, last);
        if (End <= Origin)
        {
            End = Origin + TimeSpan.TicksPerSecond;
        }

        Summary = summary ?? Derive();
    }

    /// <summary>The figures summary.json would hold, counted from the files: for a run still going, or one whose head died.</summary>
    private RunSummary Derive()
    {
        int succeeded = 0, failed = 0, timedOut = 0, quarantined = 0, retried = 0, applicationRetries = 0, infrastructureRetries = 0;
        double busyMs = 0;
        var durations = new List<float>();
        foreach (var span in Attempts)
        {
            if (span.Final)
            {
                switch (span.Outcome)
                {
                    case Outcome.Succeeded: succeeded++; break;
                    case Outcome.Failed: failed++; break;
                    case Outcome.TimedOut: timedOut++; break;
                    default: quarantined++; break;
                }

                retried += span.Attempt > 1 ? 1 : 0;
            }
            else if (span.Outcome is Outcome.Failed or Outcome.TimedOut)
            {
                applicationRetries++;
            }
            else
            {
                infrastructureRetries++;
            }

            if (!double.IsNaN(span.DurationMs) && span.Outcome is not (Outcome.Lost or Outcome.Withdrawn or Outcome.Quarantined))
            {
                busyMs += span.DurationMs;
                durations.Add((float)span.DurationMs);
            }
        }

        int slots = Workers.Sum(w => w.Slots);
        double wall = (End - Origin) / (double)TimeSpan.TicksPerSecond;
        int ended = succeeded + failed + timedOut + quarantined;
        return new RunSummary
        {
            RunId = Run.RunId,
            Job = Run.Job,
            Backend = Run.Backend,
            Tasks = Math.Max(Run.TaskCount, ended),
            Succeeded = succeeded,
            Failed = failed,
            TimedOut = timedOut,
            Quarantined = quarantined,
            NotRun = Math.Max(0, Run.TaskCount - ended),
            Retried = retried,
            ApplicationRetries = applicationRetries,
            InfrastructureRetries = infrastructureRetries,
            Workers = Math.Max(Run.Workers, Workers.Count),
            Slots = slots,
            WorkersStarted = Workers.Count,
            StartedAt = new DateTimeOffset(Origin, TimeSpan.Zero),
            EndedAt = new DateTimeOffset(End, TimeSpan.Zero),
            WallSeconds = Math.Round(wall, 3),
            TasksPerSecond = Math.Round(ended / wall, 1),
            BusySeconds = Math.Round(busyMs / 1000, 3),
            Efficiency = slots == 0 ? 0 : Math.Round(busyMs / 1000 / (slots * wall), 4),
            TaskDurationMs = DurationSpread.Of(durations),
            AbortReason = Run.Status == RunStatus.Running ? null : "interrupted",
        };
    }
}

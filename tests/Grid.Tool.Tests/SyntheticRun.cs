using System.Text.Json;

namespace Grid.Tool.Tests;

/// <summary>
/// Writes a finished run's folder without running anything: workers × slots lanes, each running tasks back to
/// back, with a share of failures that are retried once, and one worker lost part-way with its tasks rerun
/// elsewhere. Seeded, so a test sees the same run every time.
/// </summary>
public static class SyntheticRun
{
    public static readonly DateTime Start = new(2026, 11, 21, 6, 0, 0, DateTimeKind.Utc);

    /// <summary>Writes grid-runs/&lt;runId&gt;/ under <paramref name="root"/> and returns the folder.</summary>
    public static string Write(string root, string runId, int tasks, int workers = 32, int slots = 4, double failureShare = 0.01, string backend = "local")
    {
        string folder = Path.Combine(root, "grid-runs", runId);
        Directory.CreateDirectory(folder);
        var random = new Random(20261121);
        int lanes = workers * slots;
        var laneClock = new double[lanes];
        for (int l = 0; l < lanes; l++)
        {
            laneClock[l] = 400 + (l / slots * 7) + random.NextDouble() * 20;
        }

        int lostWorker = workers / 2;
        double lostAt = double.MaxValue;
        int succeeded = 0, failed = 0, retried = 0, applicationRetries = 0, infrastructureRetries = 0;
        double busyMs = 0;
        var durations = new List<double>();
        using var results = Open(Path.Combine(folder, "results.jsonl"));
        using var attempts = Open(Path.Combine(folder, "attempts.jsonl"));
        using var errors = Open(Path.Combine(folder, "errors.jsonl"));
        for (int i = 0; i < tasks; i++)
        {
            int attempt = 1;
            bool fails = random.NextDouble() < failureShare;
            while (true)
            {
                int lane = Earliest(laneClock, lostWorker, slots, lostAt);
                int worker = lane / slots;
                double started = laneClock[lane];
                double duration = 30 + (Math.Exp(random.NextDouble() * 4) * 40);
                double dispatched = Math.Max(0, started - random.NextDouble() * 300);
                double ended = started + duration;
                laneClock[lane] = ended + 0.2;
                if (worker == lostWorker && lostAt == double.MaxValue && i > tasks / 3)
                {
                    // The worker dies: this attempt is lost and the task runs again elsewhere.
                    lostAt = started + duration / 2;
                    WriteAttempt(attempts, i, attempt, worker, "lost", dispatched, started, lostAt);
                    infrastructureRetries++;
                    attempt++;
                    continue;
                }

                busyMs += duration;
                durations.Add(duration);
                if (fails && attempt == 1)
                {
                    WriteAttempt(attempts, i, attempt, worker, "failed", dispatched, started, ended);
                    WriteError(errors, i, attempt, worker, ended, final: false);
                    applicationRetries++;
                    attempt++;
                    continue;
                }

                bool finalFailure = fails && random.NextDouble() < 0.5;
                WriteResult(results, i, finalFailure ? "failed" : "succeeded", attempt, worker, dispatched, started, ended, duration);
                if (finalFailure)
                {
                    WriteError(errors, i, attempt, worker, ended, final: true);
                    failed++;
                }
                else
                {
                    succeeded++;
                }

                retried += attempt > 1 ? 1 : 0;
                break;
            }
        }

        double end = laneClock.Max() + 50;
        using (var workerLines = Open(Path.Combine(folder, "workers.jsonl")))
        {
            for (int w = 0; w < workers; w++)
            {
                bool lost = w == lostWorker && lostAt < double.MaxValue;
                Line(workerLines, json =>
                {
                    json.WriteString("id", $"w{w + 1}");
                    json.WriteString("location", $"pid {10_000 + w}");
                    json.WriteNumber("slots", slots);
                    json.WriteString("launched", At(w * 7));
                    json.WriteString("ready", At(300 + (w * 7)));
                    json.WriteString("ended", At(lost ? lostAt : end - 10));
                    json.WriteNumber("completed", 0);
                    json.WriteString("end", lost ? "exited with code 137 (SIGKILL)" : "finished");
                });
            }
        }

        durations.Sort();
        double wall = end / 1000;
        var run = new
        {
            runId,
            job = "Synthetic.Job",
            project = "/nowhere/Synthetic.Job.csproj",
            assembly = "/nowhere/Synthetic.Job.dll",
            configuration = "Release",
            backend,
            workingDirectory = root,
            tasksKind = "file",
            tasks = Path.Combine(root, "tasks.jsonl"),
            taskCount = tasks,
            workers,
            slotsPerWorker = slots,
            maxAttempts = 3,
            startedAt = Start,
            headProcessId = 1,
        };
        File.WriteAllText(Path.Combine(folder, "run.json"), JsonSerializer.Serialize(run, SummaryFile.Options));
        var summary = new
        {
            runId,
            job = "Synthetic.Job",
            backend,
            tasks,
            succeeded,
            failed,
            timedOut = 0,
            quarantined = 0,
            notRun = 0,
            retried,
            applicationRetries,
            infrastructureRetries,
            fencedResults = 0,
            workers,
            slots = lanes,
            workersStarted = workers,
            workersLost = lostAt < double.MaxValue ? 1 : 0,
            startedAt = Start,
            endedAt = Start.AddMilliseconds(end),
            wallSeconds = Math.Round(wall, 3),
            tasksPerSecond = Math.Round(tasks / wall, 1),
            busySeconds = Math.Round(busyMs / 1000, 3),
            efficiency = Math.Round(busyMs / 1000 / (lanes * wall), 4),
            taskDurationMs = new { min = Math.Round(durations[0], 3), median = Math.Round(durations[durations.Count / 2], 3), max = Math.Round(durations[^1], 3) },
            exitCode = failed > 0 ? 1 : 0,
        };
        File.WriteAllText(Path.Combine(folder, "summary.json"), JsonSerializer.Serialize(summary, SummaryFile.Options));
        return folder;
    }

    private static int Earliest(double[] clock, int lostWorker, int slots, double lostAt)
    {
        int best = -1;
        for (int l = 0; l < clock.Length; l++)
        {
            if (l / slots == lostWorker && lostAt < double.MaxValue)
            {
                continue;
            }

            if (best < 0 || clock[l] < clock[best])
            {
                best = l;
            }
        }

        return best;
    }

    private static void WriteResult(LineWriter json, int task, string status, int attempts, int worker, double dispatched, double started, double ended, double duration) => Line(json, j =>
    {
        j.WriteString("id", $"task-{task:D6}");
        j.WriteString("status", status);
        if (status == "succeeded")
        {
            j.WriteStartObject("output");
            j.WriteNumber("tile", task);
            j.WriteNumber("mean", Math.Round(duration / 7, 3));
            j.WriteEndObject();
        }
        else
        {
            WriteErrorBody(j, task);
        }

        j.WriteNumber("attempts", attempts);
        j.WriteString("worker", $"w{worker + 1}");
        j.WriteString("dispatched", At(dispatched));
        j.WriteString("started", At(started));
        j.WriteString("ended", At(ended));
        j.WriteNumber("durationMs", Math.Round(duration, 3));
    });

    private static void WriteAttempt(LineWriter json, int task, int attempt, int worker, string outcome, double dispatched, double started, double ended) => Line(json, j =>
    {
        j.WriteString("id", $"task-{task:D6}");
        j.WriteNumber("attempt", attempt);
        j.WriteString("worker", $"w{worker + 1}");
        j.WriteString("outcome", outcome);
        j.WriteString("dispatched", At(dispatched));
        j.WriteString("started", At(started));
        j.WriteString("ended", At(ended));
    });

    private static void WriteError(LineWriter json, int task, int attempt, int worker, double at, bool final) => Line(json, j =>
    {
        j.WriteString("id", $"task-{task:D6}");
        j.WriteNumber("attempt", attempt);
        j.WriteString("status", "failed");
        j.WriteBoolean("final", final);
        j.WriteString("worker", $"w{worker + 1}");
        j.WriteString("at", At(at));
        WriteErrorBody(j, task);
    });

    private static void WriteErrorBody(Utf8JsonWriter j, int task)
    {
        j.WriteStartObject("error");
        j.WriteString("type", task % 2 == 0 ? "System.IO.InvalidDataException" : "System.TimeoutException");
        j.WriteString("message", task % 2 == 0 ? $"tile {task} at /data/tiles/{task}.tif has a bad header (0x{task * 16:x})" : $"the store did not answer within {task % 7 + 1} s");
        j.WriteString("stack", "   at Synthetic.Job.Handler.RunAsync(Input input) in /src/Handler.cs:line 42");
        j.WriteEndObject();
    }

    private static string At(double ms) => Start.AddTicks((long)(ms * TimeSpan.TicksPerMillisecond)).ToString("O");

    private static LineWriter Open(string path) => new(path);

    private static void Line(LineWriter writer, Action<Utf8JsonWriter> write) => writer.Line(write);

    /// <summary>A JSON Lines file written one object per line.</summary>
    private sealed class LineWriter(string path) : IDisposable
    {
        private readonly FileStream _file = new(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        private Utf8JsonWriter? _json;

        public void Line(Action<Utf8JsonWriter> write)
        {
            _json ??= new Utf8JsonWriter(_file);
            _json.Reset();
            _json.WriteStartObject();
            write(_json);
            _json.WriteEndObject();
            _json.Flush();
            _file.WriteByte((byte)'\n');
        }

        public void Dispose()
        {
            _json?.Dispose();
            _file.Dispose();
        }
    }
}

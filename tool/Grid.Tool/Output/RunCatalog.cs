using System.Diagnostics;
using System.Text.Json;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Output;

/// <summary>
/// The runs under <c>grid-runs/</c> of a folder: lists them newest first, finds one by id (or the newest),
/// and reads what state each is in. Every command that reads a run folder finds it here.
/// </summary>
public static class RunCatalog
{
    public static IReadOnlyList<RunEntry> List(string workingDirectory)
    {
        string root = Path.Combine(workingDirectory, RunFolder.RunsDirectoryName);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var runs = new List<RunEntry>();
        foreach (string directory in Directory.EnumerateDirectories(root))
        {
            var folder = new RunFolder(workingDirectory, Path.GetFileName(directory));
            if (File.Exists(folder.RunJson) && RunEntry.TryRead(folder) is { } entry)
            {
                runs.Add(entry);
            }
        }

        return [.. runs.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.RunId, StringComparer.Ordinal)];
    }

    /// <summary>The run named <paramref name="runId"/>, or the newest run when it is null. Fails with GRID5013 when there is none.</summary>
    public static RunEntry Find(string workingDirectory, string? runId)
    {
        if (runId is null)
        {
            return List(workingDirectory) is [var newest, ..] ? newest : throw new GridException(ErrorCodes.RunNotFound, $"there are no runs in {Path.Combine(workingDirectory, RunFolder.RunsDirectoryName)}. Start one with `dotnet grid run`, or run this command in the folder that holds grid-runs/.");
        }

        var folder = new RunFolder(workingDirectory, runId);
        if (runId.Length == 0 || runId.IndexOfAny(['/', '\\']) >= 0 || runId is "." or ".." || !File.Exists(folder.RunJson))
        {
            throw new GridException(ErrorCodes.RunNotFound, $"there is no run '{runId}' here ({folder.RunJson} does not exist). `dotnet grid runs` lists the runs in this folder.");
        }

        return RunEntry.TryRead(folder)
            ?? throw new GridException(ErrorCodes.RunFolderUnreadable, $"{folder.RunJson} is not a run record Grid can read. The folder was not written by `dotnet grid run`, or the file was edited.");
    }
}

/// <summary>Where a run is in its life, as its folder shows it.</summary>
public enum RunStatus
{
    /// <summary>Its head process is alive and has not written summary.json.</summary>
    Running,

    /// <summary>Every task ended (some may have failed).</summary>
    Finished,

    /// <summary>The head gave up (workers could not be started).</summary>
    Aborted,

    /// <summary>Stopped by Ctrl+C or SIGTERM, or its head died without writing summary.json.</summary>
    Interrupted,
}

/// <summary>One run: what run.json says about it, its summary when it has one, and its status.</summary>
public sealed class RunEntry
{
    private RunEntry(RunFolder folder)
    {
        Folder = folder;
    }

    public RunFolder Folder { get; }

    public string RunId => Folder.RunId;

    public string Job { get; private init; } = "";

    public string Backend { get; private init; } = "local";

    /// <summary>The built job the workers ran.</summary>
    public string? Assembly { get; private init; }

    /// <summary>For a container or cloud run: the grid.json whose image the workers ran.</summary>
    public string? Manifest { get; private init; }

    /// <summary>For a container or cloud run: the image the workers ran (a local name, or a registry reference by digest).</summary>
    public string? Image { get; private init; }

    /// <summary>"file" (a JSON Lines tasks file) or "glob" (one task per file).</summary>
    public string? TasksKind { get; private init; }

    /// <summary>The tasks file's path, or the glob.</summary>
    public string? Tasks { get; private init; }

    /// <summary>The folder the run was started in: a glob is relative to it.</summary>
    public string? WorkingDirectory { get; private init; }

    public int TaskCount { get; private init; }

    public int Workers { get; private init; }

    public int SlotsPerWorker { get; private init; }

    public double? TimeoutSeconds { get; private init; }

    public DateTimeOffset StartedAt { get; private init; }

    /// <summary>When its current head started it: the start, or the latest resume.</summary>
    public DateTimeOffset LastStartedAt { get; private init; }

    public int? HeadProcessId { get; private init; }

    /// <summary>summary.json, when the run's current head wrote one.</summary>
    public RunSummary? Summary { get; private init; }

    public RunStatus Status { get; private init; }

    public static string StatusWord(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Finished => "finished",
        RunStatus.Aborted => "aborted",
        _ => "interrupted",
    };

    internal static RunEntry? TryRead(RunFolder folder)
    {
        JsonElement run;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(folder.RunJson));
            run = document.RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (run.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var started = Date(run, "startedAt") ?? new DateTimeOffset(Directory.GetCreationTimeUtc(folder.Path), TimeSpan.Zero);
        var lastStarted = started;
        if (run.TryGetProperty("resumedAt", out var resumed) && resumed.ValueKind == JsonValueKind.Array)
        {
            foreach (var at in resumed.EnumerateArray())
            {
                if (at.ValueKind == JsonValueKind.String && at.TryGetDateTimeOffset(out var value) && value > lastStarted)
                {
                    lastStarted = value;
                }
            }
        }

        int? pid = Int(run, "headProcessId");
        var summary = ReadSummary(folder);

        // A summary older than the latest (re)start belongs to an earlier head: the run has gone on since.
        if (summary is not null && summary.EndedAt < lastStarted)
        {
            summary = null;
        }

        var status = summary switch
        {
            null when pid is { } head && IsAlive(head, lastStarted) => RunStatus.Running,
            null => RunStatus.Interrupted,
            { AbortReason: null } => RunStatus.Finished,
            { AbortReason: "interrupted" } => RunStatus.Interrupted,
            _ => RunStatus.Aborted,
        };

        return new RunEntry(folder)
        {
            Job = String(run, "job") ?? "",
            Backend = String(run, "backend") ?? "local",
            Assembly = String(run, "assembly"),
            Manifest = String(run, "manifest"),
            Image = String(run, "image"),
            TasksKind = String(run, "tasksKind"),
            Tasks = String(run, "tasks"),
            WorkingDirectory = String(run, "workingDirectory"),
            TaskCount = Int(run, "taskCount") ?? summary?.Tasks ?? 0,
            Workers = Int(run, "workers") ?? 0,
            SlotsPerWorker = Int(run, "slotsPerWorker") ?? 0,
            TimeoutSeconds = run.TryGetProperty("timeoutSeconds", out var timeout) && timeout.ValueKind == JsonValueKind.Number ? timeout.GetDouble() : null,
            StartedAt = started,
            LastStartedAt = lastStarted,
            HeadProcessId = pid,
            Summary = summary,
            Status = status,
        };
    }

    private static RunSummary? ReadSummary(RunFolder folder)
    {
        try
        {
            return File.Exists(folder.Summary) ? RunSummary.Read(folder.Summary) : null;
        }
        catch (Exception e) when (e is JsonException or IOException or InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the run's head is still alive. A process id can be reused once its process is gone, so a
    /// process that started after the head wrote run.json is not the head.
    /// </summary>
    private static bool IsAlive(int pid, DateTimeOffset headStarted)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.StartTime.ToUniversalTime() <= headStarted.UtcDateTime.AddSeconds(2);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false;
        }
    }

    private static string? String(JsonElement run, string name) =>
        run.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement run, string name) =>
        run.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : null;

    private static DateTimeOffset? Date(JsonElement run, string name) =>
        run.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var date) ? date : null;
}

using System.Text.Json;
using Grid.Tool.Head;
using Grid.Tool.Tasks;

namespace Grid.Tool.Output;

/// <summary>
/// What an earlier head of a run left behind, read back for <c>--resume</c>. results.jsonl is the journal of
/// commits: a task whose line is complete there is done and is never run or counted again. A line cut short
/// by a crash is not a commit: it is cut off, and that task runs again (at-least-once).
/// </summary>
public sealed class RunJournal
{
    private RunJournal(int taskCount)
    {
        Committed = new TaskState[taskCount];
        Attempts = new ushort[taskCount];
        ApplicationFailures = new byte[taskCount];
    }

    /// <summary>Per task: its terminal state if committed, else Pending.</summary>
    public TaskState[] Committed { get; }

    /// <summary>Per task: the highest attempt number already used.</summary>
    public ushort[] Attempts { get; }

    /// <summary>Per task: failed or timed-out attempts already charged.</summary>
    public byte[] ApplicationFailures { get; }

    public int CommittedCount { get; private set; }

    /// <summary>Run times (ms) of the committed attempts, for the duration spread.</summary>
    public List<float> DurationsMs { get; } = [];

    /// <summary>The highest worker number used so far, so new workers get new names.</summary>
    public int LastWorkerNumber { get; private set; }

    /// <summary>Bytes of a torn last line that were cut off results.jsonl.</summary>
    public long RepairedBytes { get; private set; }

    public static RunJournal Read(RunFolder folder, TaskList tasks)
    {
        var journal = new RunJournal(tasks.Count);
        var indexOf = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        for (int i = 0; i < tasks.Count; i++)
        {
            indexOf[tasks.IdOf(i)] = i;
        }

        journal.RepairedBytes = CutTornTail(folder.Results);
        foreach (string sideFile in new[] { folder.Attempts, folder.Errors, folder.Workers })
        {
            CutTornTail(sideFile);
        }

        foreach (var line in ReadLines(folder.Results))
        {
            if (!indexOf.TryGetValue(line.GetProperty("id").GetString()!, out int index) || journal.Committed[index] != TaskState.Pending)
            {
                continue;
            }

            journal.Committed[index] = Parse(line.GetProperty("status").GetString());
            journal.Attempts[index] = (ushort)line.GetProperty("attempts").GetInt32();
            journal.CommittedCount++;
            if (line.TryGetProperty("durationMs", out var duration))
            {
                journal.DurationsMs.Add((float)duration.GetDouble());
            }
        }

        foreach (var line in ReadLines(folder.Attempts))
        {
            if (indexOf.TryGetValue(line.GetProperty("id").GetString()!, out int index))
            {
                journal.Attempts[index] = Math.Max(journal.Attempts[index], (ushort)line.GetProperty("attempt").GetInt32());
                string? outcome = line.GetProperty("outcome").GetString();
                if (outcome is "failed" or "timed_out")
                {
                    journal.ApplicationFailures[index]++;
                }
            }
        }

        journal.LastWorkerNumber = LastWorkerNumberIn(folder);
        return journal;
    }

    /// <summary>A fingerprint of the task list (ids and inputs), so a resume refuses tasks that changed.</summary>
    public static string Fingerprint(TaskList tasks)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        for (int i = 0; i < tasks.Count; i++)
        {
            byte[] id = System.Text.Encoding.UTF8.GetBytes(tasks.IdOf(i));
            var input = tasks.InputOf(i);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, id.Length);
            hash.AppendData(length);
            hash.AppendData(id);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, input.Length);
            hash.AppendData(length);
            hash.AppendData(input.Span);
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static TaskState Parse(string? status) => status switch
    {
        "succeeded" => TaskState.Succeeded,
        "failed" => TaskState.Failed,
        "timed_out" => TaskState.TimedOut,
        "quarantined" => TaskState.Quarantined,
        _ => throw new InvalidDataException($"unknown status '{status}' in results.jsonl"),
    };

    /// <summary>Cuts a last line that has no newline: the head died while writing it. Returns the bytes cut.</summary>
    private static long CutTornTail(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        long end = file.Length;
        long keep = end;
        var one = new byte[1];
        while (keep > 0)
        {
            file.Position = keep - 1;
            file.ReadExactly(one);
            if (one[0] == (byte)'\n')
            {
                break;
            }

            keep--;
        }

        if (keep < end)
        {
            file.SetLength(keep);
        }

        return end - keep;
    }

    private static IEnumerable<JsonElement> ReadLines(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        foreach (string line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            JsonElement element;
            try
            {
                element = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                // Only a torn last line can be broken, and the side files are not commits.
                continue;
            }

            yield return element;
        }
    }

    private static int LastWorkerNumberIn(RunFolder folder)
    {
        if (!Directory.Exists(folder.WorkerLogs))
        {
            return 0;
        }

        return Directory.EnumerateFiles(folder.WorkerLogs, "w*.log")
            .Select(f => Path.GetFileNameWithoutExtension(f)[1..])
            .Select(n => int.TryParse(n, System.Globalization.CultureInfo.InvariantCulture, out int number) ? number : 0)
            .DefaultIfEmpty(0)
            .Max();
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Grid.Tool.Output;

/// <summary>The layout of <c>grid-runs/&lt;run-id&gt;/</c>: one place for every path, so commands agree on it.</summary>
public sealed class RunFolder
{
    public const string RunsDirectoryName = "grid-runs";

    public RunFolder(string root, string runId)
    {
        RunId = runId;
        Path = System.IO.Path.Combine(root, RunsDirectoryName, runId);
    }

    public string RunId { get; }

    public string Path { get; }

    public string RunJson => Combine("run.json");

    public string Results => Combine("results.jsonl");

    public string Errors => Combine("errors.jsonl");

    public string Summary => Combine("summary.json");

    /// <summary>A cloud run's AWS side: region, resources planned, workers launched, what teardown deleted.</summary>
    public string CloudJson => Combine("cloud.json");

    /// <summary>A cloud run's head certificate (with its key) and token, owner-only: what a resumed head needs.</summary>
    public string HeadCredentials => Combine("head-credentials.json");

    /// <summary>Attempts that did not end their task: retried failures, and attempts lost with a worker.</summary>
    public string Attempts => Combine("attempts.jsonl");

    /// <summary>One line per worker, written when it ends.</summary>
    public string Workers => Combine("workers.jsonl");

    public string Logs => Combine("logs");

    public string WorkerLogs => Combine("logs", "workers");

    /// <summary>The log of one task. Ids may hold any printable text, so the name is made safe (and kept unique with a hash when changed).</summary>
    public string TaskLog(string taskId) => Combine("logs", SafeFileName(taskId) + ".log");

    public string WorkerLog(string workerId) => Combine("logs", "workers", SafeFileName(workerId) + ".log");

    public static string SafeFileName(string id)
    {
        var safe = new StringBuilder(id.Length);
        foreach (char c in id)
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        string name = safe.ToString();
        if (name == id && name is not ("." or "..") && name.Length <= 100)
        {
            return name;
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..10];
        return $"{(name.Length > 80 ? name[..80] : name).Trim('.')}-{hash}";
    }

    private string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
}

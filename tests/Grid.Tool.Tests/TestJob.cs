using System.Text.Json;
using System.Text.Json.Nodes;

namespace Grid.Tool.Tests;

/// <summary>The test job (tests/jobs/Grid.TestJob) and tasks files for it.</summary>
public static class TestJob
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string ProjectDirectory => Path.Combine(RepositoryRoot, "tests", "jobs", "Grid.TestJob");

    /// <summary>The configuration this test assembly was built in; the test job was built alongside it.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>The built test job, run as <c>dotnet Grid.TestJob.dll --grid-worker</c>.</summary>
    public static string Assembly => Path.Combine(RepositoryRoot, "artifacts", "bin", "Grid.TestJob", Configuration.ToLowerInvariant(), "Grid.TestJob.dll");

    /// <summary>Writes a tasks file: one line per object.</summary>
    public static string WriteTasks(string directory, IEnumerable<JsonObject> tasks, string name = "tasks.jsonl")
    {
        string path = Path.Combine(directory, name);
        File.WriteAllLines(path, tasks.Select(t => t.ToJsonString()));
        return path;
    }

    /// <summary>n plain tasks with ids t0…t(n-1).</summary>
    public static IEnumerable<JsonObject> Plain(int count, Func<int, JsonObject>? extra = null) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var task = extra?.Invoke(i) ?? [];
            task["id"] = $"t{i}";
            task["n"] = i;
            return task;
        });

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BatchSdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("BatchSdk.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>One parsed results.jsonl line.</summary>
public sealed record ResultLine(string Id, string Status, int Attempts, string Worker, JsonNode? Output, JsonNode? Error, string? Log)
{
    public static IReadOnlyList<ResultLine> ReadAll(string path) => File.ReadAllLines(path)
        .Where(l => l.Length > 0)
        .Select(l => JsonNode.Parse(l)!.AsObject())
        .Select(o => new ResultLine(
            (string)o["id"]!,
            (string)o["status"]!,
            (int)o["attempts"]!,
            (string?)o["worker"] ?? "",
            o["output"],
            o["error"],
            (string?)o["log"]))
        .ToList();
}

/// <summary>summary.json, read back.</summary>
public static class SummaryFile
{
    public static JsonObject Read(string runFolder) => JsonNode.Parse(File.ReadAllText(Path.Combine(runFolder, "summary.json")))!.AsObject();

    public static int Count(this JsonObject summary, string name) => summary[name]!.GetValue<int>();

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}

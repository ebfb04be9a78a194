using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grid.Tool.Output;

/// <summary>run.json: what a run is, written when it starts, and read back by --resume, status and repro.</summary>
public sealed record RunRecord
{
    public required string RunId { get; init; }

    public required string Job { get; init; }

    public required string Project { get; init; }

    /// <summary>The built job the workers run.</summary>
    public required string Assembly { get; init; }

    public required string Configuration { get; init; }

    /// <summary>"local" (worker processes), "container" (containers of the published image), "aws-ec2" or "aws-batch".</summary>
    public string Backend { get; init; } = "local";

    /// <summary>For container runs: the grid.json whose image the workers ran, and that image.</summary>
    public string? Manifest { get; init; }

    public string? Image { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>"file" (a JSON Lines tasks file) or "glob" (one task per matching file).</summary>
    public required string TasksKind { get; init; }

    /// <summary>The tasks file's path, or the glob.</summary>
    public required string Tasks { get; init; }

    public int TaskCount { get; init; }

    /// <summary>SHA-256 over every task's id and input: a resume refuses a task list that changed.</summary>
    public required string TasksFingerprint { get; init; }

    public int Workers { get; init; }

    public int SlotsPerWorker { get; init; }

    public int MaxAttempts { get; init; }

    public double? TimeoutSeconds { get; init; }

    public double CancelGraceSeconds { get; init; }

    public int? Prefetch { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The process id of the head that runs it now (updated on resume).</summary>
    public int HeadProcessId { get; init; }

    /// <summary>When each --resume started.</summary>
    public IReadOnlyList<DateTimeOffset> ResumedAt { get; init; } = [];

    public void Write(string path)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, RunRecordJson.Default.RunRecord) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    public static RunRecord Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), RunRecordJson.Default.RunRecord)
        ?? throw new InvalidDataException($"{path} is empty");
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunRecord))]
internal sealed partial class RunRecordJson : JsonSerializerContext;

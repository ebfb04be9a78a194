using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Grid.Bench;

/// <summary>A bound a figure must meet: <c>value &gt;= 100000</c> or <c>value &lt;= 300</c>.</summary>
internal sealed record Target(string Op, double Value)
{
    public static Target AtLeast(double value) => new(">=", value);

    public static Target AtMost(double value) => new("<=", value);

    public bool IsMetBy(double value) => Op == ">=" ? value >= Value : value <= Value;
}

/// <summary>
/// What a figure is held against: another figure of the same run (<see cref="Figure"/>, filled in by the report),
/// a figure measured on this kind of machine before (<see cref="Text"/>, from docs), or both.
/// </summary>
internal sealed record Reference(string? Figure, string? Text)
{
    /// <summary>The referenced figure's value in this run; set by the report.</summary>
    public double? Value { get; init; }
}

/// <summary>One measured figure: the median of its runs, each run's value, its target and its reference.</summary>
internal sealed record Figure
{
    public required string Name { get; init; }

    /// <summary>The median of <see cref="Runs"/>; null when the figure cannot be measured yet.</summary>
    public double? Value { get; init; }

    public required string Unit { get; init; }

    public Target? Target { get; init; }

    /// <summary>Null when there is no target or no value.</summary>
    public bool? Met => Target is null || Value is null ? null : Target.IsMetBy(Value.Value);

    public Reference? Reference { get; init; }

    public double[] Runs { get; init; } = [];

    /// <summary>How it is measured, in one sentence.</summary>
    public string? Method { get; init; }

    /// <summary>What to keep in mind when reading it (pending, a smaller count than asked, ...).</summary>
    public string? Note { get; init; }

    /// <summary>Supporting figures (per-run breakdowns, the other ways of measuring the same thing).</summary>
    public JsonObject? Details { get; init; }

    public static Figure FromRuns(string name, string unit, IReadOnlyList<double> runs) =>
        new() { Name = name, Unit = unit, Value = Median(runs), Runs = [.. runs] };

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("no values", nameof(values));
        }

        var sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Medians of each numeric detail across runs: <c>{"a": [1, 2, 3]}</c> becomes <c>{"a": 2}</c>.</summary>
    public static JsonObject MedianDetails(IReadOnlyList<Dictionary<string, double>> runs)
    {
        var result = new JsonObject();
        foreach (var key in runs.SelectMany(r => r.Keys).Distinct())
        {
            var values = runs.Where(r => r.ContainsKey(key)).Select(r => r[key]).ToArray();
            result[key] = Math.Round(Median(values), 4);
        }

        return result;
    }
}

/// <summary>A command's figures, written as one JSON file into the parts folder that the report merges.</summary>
internal static class FigureFile
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // Read by people as well as scripts: keep '>=' and quotes as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write(string path, params Figure[] figures)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(figures, Options) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    public static Figure[] Read(string path) =>
        JsonSerializer.Deserialize<Figure[]>(File.ReadAllText(path), Options) ?? [];
}

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Grid.Bench.Report;

/// <summary>
/// Merges the parts written by each measuring command into results.json (one field per figure, beside its target
/// and reference, plus the machine) and prints the table, which is also written as results.md.
/// </summary>
internal static class ReportCommand
{
    private static readonly string[] Columns = ["figure", "value", "target", "met", "reference", "runs"];

    public static int Run(BenchArgs args)
    {
        var parts = Directory.GetFiles(args.String("parts"), "*.json").Order(StringComparer.Ordinal).ToArray();
        var figures = parts.SelectMany(FigureFile.Read).ToList();
        var byName = figures.ToDictionary(f => f.Name, StringComparer.Ordinal);
        figures = figures.Select(f => f.Reference?.Figure is { } other && byName.TryGetValue(other, out var referenced)
            ? f with { Reference = f.Reference with { Value = referenced.Value } }
            : f).ToList();

        var results = new JsonObject
        {
            ["machine"] = Machine(args),
            ["startedAt"] = args.String("started", ""),
            ["endedAt"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        foreach (var figure in figures)
        {
            results[figure.Name] = JsonSerializer.SerializeToNode(figure, FigureFile.Options);
        }

        string output = args.String("out");
        File.WriteAllText(output, results.ToJsonString(FigureFile.Options) + "\n");
        string table = Table(figures);
        File.WriteAllText(Path.ChangeExtension(output, ".md"), table);
        Console.Out.Write(table);
        return 0;
    }

    private static string Table(List<Figure> figures)
    {
        var rows = new List<string[]> { Columns };
        foreach (var f in figures)
        {
            rows.Add(
            [
                f.Name,
                f.Value is { } value ? $"{Format(value)} {f.Unit}" : "pending",
                f.Target is { } target ? $"{target.Op} {Format(target.Value)}" : "",
                f.Met switch { true => "yes", false => "NO", null => "" },
                ReferenceText(f),
                string.Join(" · ", f.Runs.Select(Format)),
            ]);
        }

        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        for (int r = 0; r < rows.Count; r++)
        {
            text.Append("| ").AppendJoin(" | ", rows[r].Select((cell, c) => cell.PadRight(widths[c]))).Append(" |\n");
            if (r == 0)
            {
                text.Append('|').AppendJoin('|', widths.Select(w => new string('-', w + 2))).Append("|\n");
            }
        }

        foreach (var f in figures.Where(f => f.Note is not null))
        {
            text.Append('\n').Append(f.Name).Append(": ").Append(f.Note);
        }

        return text.Append('\n').ToString();
    }

    private static string ReferenceText(Figure f)
    {
        if (f.Reference is not { } reference)
        {
            return "";
        }

        if (reference.Figure is not null && reference.Value is { } value && f.Value is { } own)
        {
            return $"{reference.Figure} {Format(value)} (×{own / value:0.00})";
        }

        return reference.Text ?? reference.Figure ?? "";
    }

    private static string Format(double value) => Math.Abs(value) switch
    {
        >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.000", CultureInfo.InvariantCulture),
    };

    private static JsonObject Machine(BenchArgs args) => new()
    {
        ["cores"] = Environment.ProcessorCount,
        ["cpu"] = ReadField("/proc/cpuinfo", "model name"),
        ["memoryGiB"] = double.TryParse(ReadField("/proc/meminfo", "MemTotal")?.Split(' ')[0], CultureInfo.InvariantCulture, out double kib) ? Math.Round(kib / (1024 * 1024), 1) : null,
        ["os"] = ReadField("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"'),
        ["kernel"] = File.Exists("/proc/sys/kernel/osrelease") ? "Linux " + File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription,
        ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["sdk"] = args.String("sdk", ""),
        ["loadAverageBefore"] = args.String("load-before", ""),
        ["loadAverageAfter"] = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "",
    };

    private static string? ReadField(string path, string name, char separator = ':')
    {
        if (!File.Exists(path))
        {
            return null;
        }

        return File.ReadLines(path)
            .Select(line => line.Split(separator, 2))
            .Where(parts => parts.Length == 2 && parts[0].Trim() == name)
            .Select(parts => parts[1].Trim())
            .FirstOrDefault();
    }
}

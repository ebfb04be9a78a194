using System.Text.Json;
using System.Text.RegularExpressions;

namespace Grid.Tool.Reports;

/// <summary>One kind of failure: an exception type and its message with the varying parts (numbers, ids, paths) taken out.</summary>
internal sealed class FailureGroup
{
    public required string Signature { get; init; }

    public required string Type { get; init; }

    /// <summary>The message with placeholders: &lt;n&gt;, &lt;hex&gt;, &lt;guid&gt;, &lt;path&gt;, &lt;url&gt;, &lt;task&gt;.</summary>
    public required string Pattern { get; init; }

    /// <summary>Failed attempts that ended their task.</summary>
    public int Final { get; set; }

    /// <summary>Failed attempts that were retried.</summary>
    public int Retried { get; set; }

    public HashSet<string> Tasks { get; } = new(StringComparer.Ordinal);

    public string SampleTask { get; set; } = "";

    public string SampleMessage { get; set; } = "";

    public string? SampleStack { get; set; }

    public bool SampleIsFinal { get; set; }

    public int Total => Final + Retried;
}

/// <summary>The failed attempts of errors.jsonl, grouped by <see cref="FailureSignature"/>.</summary>
internal sealed class FailureGroups
{
    private readonly Dictionary<string, FailureGroup> _groups = new(StringComparer.Ordinal);

    public int Attempts { get; private set; }

    public int FinalAttempts { get; private set; }

    public int Count => _groups.Count;

    /// <summary>Most frequent first (then the one seen first).</summary>
    public IReadOnlyList<FailureGroup> Ordered() => [.. _groups.Values.OrderByDescending(g => g.Total)];

    public void Add(string taskId, string status, bool final, JsonElement error)
    {
        string type, message;
        string? stack = null;
        if (error.ValueKind == JsonValueKind.Object)
        {
            type = Text(error, "type") ?? (Text(error, "code") is { } code ? "Grid." + code : status);
            message = Text(error, "message") ?? "";
            stack = Text(error, "stack");
        }
        else
        {
            type = status;
            message = error.ValueKind == JsonValueKind.String ? error.GetString() ?? "" : error.ValueKind == JsonValueKind.Undefined ? "" : error.GetRawText();
        }

        string pattern = FailureSignature.Normalize(message, taskId);
        string signature = type + ": " + pattern;
        if (!_groups.TryGetValue(signature, out var group))
        {
            group = new FailureGroup { Signature = signature, Type = type, Pattern = pattern };
            _groups[signature] = group;
        }

        Attempts++;
        if (final)
        {
            group.Final++;
            FinalAttempts++;
        }
        else
        {
            group.Retried++;
        }

        group.Tasks.Add(taskId);
        if (group.SampleTask.Length == 0 || (final && !group.SampleIsFinal))
        {
            group.SampleTask = taskId;
            group.SampleMessage = message;
            group.SampleStack = stack;
            group.SampleIsFinal = final;
        }
    }

    private static string? Text(JsonElement error, string name) =>
        error.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// Turns an exception message into its signature: the parts that vary from task to task become placeholders,
/// so "bad input 3 at /data/3.json" and "bad input 17 at /data/17.json" are one failure.
/// </summary>
internal static partial class FailureSignature
{
    /// <summary>Messages are compared on their start: a long message rarely differs only past it.</summary>
    public const int MaxLength = 400;

    public static string Normalize(string message, string? taskId = null)
    {
        if (message.Length > MaxLength)
        {
            message = message[..MaxLength];
        }

        if (!string.IsNullOrEmpty(taskId))
        {
            // Grid's own messages quote the task's id; ids made of digits would be caught below anyway.
            message = message.Replace("'" + taskId + "'", "'<task>'", StringComparison.Ordinal)
                .Replace("\"" + taskId + "\"", "\"<task>\"", StringComparison.Ordinal);
        }

        string normalized = Variable().Replace(message, m =>
            m.Groups["guid"].Success ? "<guid>"
            : m.Groups["url"].Success ? "<url>"
            : m.Groups["path"].Success ? "<path>"
            : m.Groups["hex"].Success ? "<hex>"
            : "<n>");
        return WhiteSpace().Replace(normalized, " ").Trim();
    }

    // One pass, longest kinds first: a guid, a url, an absolute path or a relative one ending in a file name,
    // a 0x number or a bare hex string of 8+ characters with a digit and a letter, then any number, dotted
    // ones (10.0.0.7, 1.2.3) included. GRID codes are kept.
    [GeneratedRegex("""
        (?<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
        | (?<url>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'"<>()]+)
        | (?<path>(?<![\w/.-])(?:[a-zA-Z]:\\|\\\\|~?/)[^\s'"<>()\[\],;:]+|\b[\w.-]+(?:[/\\][\w.-]+)+\.\w{1,8}\b)
        | (?<hex>\b0[xX][0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{8,}\b)
        | (?<!GRID\d*)\d+(?:\.\d+)*
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Variable();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}

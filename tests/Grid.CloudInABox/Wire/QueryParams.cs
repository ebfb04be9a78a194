using System.Globalization;

namespace Grid.CloudInABox.Wire;

/// <summary>
/// A query-protocol request's parameters (form body and URL query merged), with the EC2 conventions for
/// lists (<c>Name.1</c>, <c>Name.2</c>) and structures (<c>Name.1.Member</c>).
/// </summary>
public sealed class QueryParams(IReadOnlyDictionary<string, string> values, string prefix = "")
{
    public string? this[string name] => values.TryGetValue(prefix + name, out var value) ? value : null;

    public string Required(string name) =>
        this[name] ?? throw new ApiException("MissingParameter", $"The request must contain the parameter {name}");

    public int? Number(string name) =>
        this[name] is { } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
              : throw new ApiException("InvalidParameterValue", $"Value ({text}) for parameter {name} is invalid.")
            : null;

    public bool Flag(string name) => string.Equals(this[name], "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The values of <c>name.1</c>, <c>name.2</c>, ... in order.</summary>
    public List<string> List(string name)
    {
        var result = new List<string>();
        for (var i = 1; this[$"{name}.{i}"] is { } value; i++)
        {
            result.Add(value);
        }
        return result;
    }

    /// <summary>The structures <c>name.1.*</c>, <c>name.2.*</c>, ... as views with that prefix.</summary>
    public List<QueryParams> Structs(string name)
    {
        var result = new List<QueryParams>();
        for (var i = 1; ; i++)
        {
            var itemPrefix = $"{prefix}{name}.{i}.";
            if (!values.Keys.Any(k => k.StartsWith(itemPrefix, StringComparison.Ordinal)))
            {
                return result;
            }
            result.Add(new QueryParams(values, itemPrefix));
        }
    }

    public QueryParams Struct(string name) => new(values, $"{prefix}{name}.");

    /// <summary>Filters (<c>Filter.N.Name</c>, <c>Filter.N.Value.M</c>).</summary>
    public List<(string Name, List<string> Values)> Filters() =>
        Structs("Filter").Select(f => (f.Required("Name"), f.List("Value"))).ToList();

    /// <summary>The tags of the <c>TagSpecification.N</c> entries whose resource type is <paramref name="resourceType"/>.</summary>
    public List<KeyValuePair<string, string>> TagsFor(string resourceType, string listName = "TagSpecification") =>
        Structs(listName)
            .Where(s => s["ResourceType"] == resourceType)
            .SelectMany(s => s.Structs("Tag").Select(t => new KeyValuePair<string, string>(t.Required("Key"), t["Value"] ?? "")))
            .ToList();

    public IEnumerable<string> ResourceTypesTagged(string listName = "TagSpecification") =>
        Structs(listName).Select(s => s["ResourceType"] ?? "");

    /// <summary>Every parameter but <paramref name="ignore"/>, sorted: two requests with the same fingerprint ask the same.</summary>
    public string Fingerprint(string ignore) =>
        string.Join('&', values.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && kv.Key != prefix + ignore)
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}

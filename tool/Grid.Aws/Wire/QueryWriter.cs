using System.Globalization;
using System.Text;

namespace Grid.Aws.Wire;

/// <summary>
/// The body of a query-protocol call (EC2, STS): <c>Action=...&amp;Version=...</c> then the parameters,
/// form-encoded. Lists are numbered from 1 (<c>InstanceId.1</c>, <c>Filter.2.Value.1</c>); nested
/// structures join names with dots. Parameters keep the order they were added in, which makes the body
/// (and so its signature) deterministic.
/// </summary>
public sealed class QueryWriter
{
    private readonly List<KeyValuePair<string, string>> _parameters = [];

    public QueryWriter(string action, string version)
    {
        Add("Action", action);
        Add("Version", version);
    }

    public IReadOnlyList<KeyValuePair<string, string>> Parameters => _parameters;

    public QueryWriter Add(string name, string? value)
    {
        if (value is not null)
        {
            _parameters.Add(new(name, value));
        }
        return this;
    }

    public QueryWriter Add(string name, int? value) =>
        Add(name, value?.ToString(CultureInfo.InvariantCulture));

    public QueryWriter Add(string name, bool? value) =>
        Add(name, value is null ? null : value.Value ? "true" : "false");

    public QueryWriter Add(string name, DateTimeOffset? value) =>
        Add(name, value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    /// <summary>A list of strings: <c>name.1</c>, <c>name.2</c>.</summary>
    public QueryWriter AddList(string name, IEnumerable<string>? values)
    {
        var i = 0;
        foreach (var value in values ?? [])
        {
            Add($"{name}.{++i}", value);
        }
        return this;
    }

    /// <summary>A list of structures: <paramref name="write"/> gets each item and its prefix (<c>name.N</c>).</summary>
    public QueryWriter AddList<T>(string name, IEnumerable<T>? items, Action<QueryWriter, string, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var i = 0;
        foreach (var item in items ?? [])
        {
            write(this, $"{name}.{++i}", item);
        }
        return this;
    }

    public byte[] ToBody()
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in _parameters)
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }
            builder.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    public const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";
}

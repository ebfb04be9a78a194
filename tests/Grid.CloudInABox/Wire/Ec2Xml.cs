using System.Globalization;
using System.Xml.Linq;
using Grid.CloudInABox.State;

namespace Grid.CloudInABox.Wire;

/// <summary>EC2's XML answers: <c>&lt;ActionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"&gt;</c>, lists as <c>item</c>s.</summary>
public static class Ec2Xml
{
    public static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";

    public static XElement Response(string action, string requestId, params object?[] content) =>
        new(Ns + (action + "Response"), new XElement(Ns + "requestId", requestId), content);

    public static XElement E(string name, params object?[] content) => new(Ns + name, content);

    /// <summary>A list element: <c>&lt;name&gt;&lt;item&gt;...&lt;/item&gt;&lt;/name&gt;</c>.</summary>
    public static XElement Set<T>(string name, IEnumerable<T> items, Func<T, object?[]> item) =>
        new(Ns + name, items.Select(i => new XElement(Ns + "item", item(i))));

    public static XElement TagSet(IEnumerable<KeyValuePair<string, string>> tags) =>
        Set("tagSet", tags, t => [E("key", t.Key), E("value", t.Value)]);

    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Flag(bool value) => value ? "true" : "false";

    public static XElement ErrorDocument(string code, string message, string requestId) =>
        new("Response",
            new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))),
            new XElement("RequestID", requestId));

    /// <summary>Whether a resource's tags match a <c>tag:KEY</c> or <c>tag-key</c> filter.</summary>
    public static bool? TagFilter(string name, List<string> values, Tags tags)
    {
        if (name.StartsWith("tag:", StringComparison.Ordinal))
        {
            return tags.TryGetValue(name[4..], out var value) && values.Any(v => Like(value, v));
        }
        if (name == "tag-key")
        {
            return values.Any(tags.ContainsKey);
        }
        return null;
    }

    /// <summary>EC2 filter values take <c>*</c> and <c>?</c> wildcards.</summary>
    public static bool Like(string value, string pattern) =>
        pattern.Contains('*', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.IsMatch(value,
                "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$")
            : value == pattern;
}

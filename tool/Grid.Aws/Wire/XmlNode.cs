using System.Globalization;
using System.Xml.Linq;

namespace Grid.Aws.Wire;

/// <summary>
/// Reading the XML answers of the query protocols without caring about namespaces: EC2 answers in
/// <c>http://ec2.amazonaws.com/doc/2016-11-15/</c>, STS in its own, and lists are <c>&lt;name&gt;&lt;item&gt;...</c>.
/// </summary>
public static class XmlNode
{
    public static XElement Parse(byte[] body)
    {
        using var stream = new MemoryStream(body);
        return XDocument.Load(stream).Root ?? throw new FormatException("empty XML answer");
    }

    public static XElement? Child(this XElement element, string name) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    public static string? Text(this XElement element, string name) => element.Child(name)?.Value;

    public static string RequiredText(this XElement element, string name) =>
        element.Text(name) ?? throw new FormatException($"<{element.Name.LocalName}> has no <{name}>");

    public static int? Number(this XElement element, string name) =>
        element.Text(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    public static long? BigNumber(this XElement element, string name) =>
        element.Text(name) is { } text ? long.Parse(text, CultureInfo.InvariantCulture) : null;

    public static bool? Flag(this XElement element, string name) =>
        element.Text(name) is { } text ? text == "true" : null;

    public static DateTimeOffset? Time(this XElement element, string name) =>
        element.Text(name) is { } text
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : null;

    /// <summary>The <c>&lt;item&gt;</c> children of the named list element; empty when it is absent.</summary>
    public static IEnumerable<XElement> Items(this XElement element, string listName) =>
        element.Child(listName)?.Elements().Where(e => e.Name.LocalName == "item") ?? [];
}

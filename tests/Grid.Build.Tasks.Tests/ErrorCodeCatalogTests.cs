using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Grid.Build.Tasks.Tests;

public sealed partial class ErrorCodeCatalogTests
{
    /// <summary>Every message in Strings.resx: its name and text.</summary>
    private static readonly (string Name, string Text)[] Messages = XDocument.Load(Repository.File("sdk", "Grid.Build.Tasks", "Strings.resx"))
        .Root!.Elements("data")
        .Select(d => ((string)d.Attribute("name")!, (string)d.Element("value")!))
        .ToArray();

    private static readonly string[] Codes = Messages.Select(m => CodePrefix().Match(m.Text).Groups["code"].Value).ToArray();

    [Fact]
    public void EveryMessageStartsWithAGridCodeAndCodesAreUnique()
    {
        Assert.NotEmpty(Messages);
        Assert.All(Messages, m => Assert.Matches(CodePrefix(), m.Text));
        Assert.Equal(Codes.Length, Codes.Distinct().Count());
    }

    [Fact]
    public void CodesAreInTheRangesOfTheirParts()
    {
        // 1xxx project properties, 2xxx image, 3xxx registry, 4xxx manifest: the ranges of docs/errors.md.
        Assert.All(Codes, c => Assert.Matches("^GRID[1-4][0-9]{3}$", c));
    }

    [Theory]
    [InlineData("sdk/README.md")]
    [InlineData("docs/errors.md")]
    public void EveryCodeIsDocumented(string document)
    {
        string text = File.ReadAllText(Repository.File(document.Split('/')));
        var documented = AnyCode().Matches(text).Select(m => m.Value).ToHashSet();
        Assert.All(Codes, c => Assert.Contains(c, documented));
    }

    [Fact]
    public void EveryMessageIsUsedByTheTasks()
    {
        string source = string.Concat(Directory.GetFiles(Repository.File("sdk", "Grid.Build.Tasks"), "*.cs").Select(File.ReadAllText));
        Assert.All(Messages, m => Assert.Contains($"\"{m.Name}\"", source, StringComparison.Ordinal));
    }

    [Fact]
    public void MessagesNameTheirArgumentsAndAreOneLine()
    {
        foreach (var (name, text) in Messages)
        {
            Assert.DoesNotContain('\n', text);
            Assert.EndsWith(".", text, StringComparison.Ordinal);
            Assert.Contains("{0}", text, StringComparison.Ordinal);
            _ = Strings.Format(name, "a", "b", "c", "d", "e");
        }
    }

    [GeneratedRegex("^(?<code>GRID[0-9]{4}): [^ ]")]
    private static partial Regex CodePrefix();

    [GeneratedRegex("GRID[0-9]{4}")]
    private static partial Regex AnyCode();
}

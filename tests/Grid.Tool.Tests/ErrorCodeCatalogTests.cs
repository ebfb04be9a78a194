using System.Reflection;
using System.Text.RegularExpressions;
using Grid.Protocol;
using Grid.Registry;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Tests;

public sealed partial class ErrorCodeCatalogTests
{
    private static readonly string[] Codes = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Concat(typeof(ProtocolErrors).GetFields(BindingFlags.Public | BindingFlags.Static))
        .Concat(typeof(RegistryErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void EveryCodeIsUniqueAndWellFormed()
    {
        Assert.Equal(Codes.Length, Codes.Distinct().Count());
        Assert.All(Codes, c => Assert.Matches(CodePattern(), c));
    }

    [Fact]
    public void EveryCodeIsDocumented()
    {
        string catalog = File.ReadAllText(Path.Combine(TestJob.RepositoryRoot, "docs", "errors.md"));
        var documented = CodePattern().Matches(catalog).Select(m => m.Value).ToHashSet();
        Assert.All(Codes, c => Assert.Contains(c, documented));
    }

    [GeneratedRegex("GRID[0-9]{4}")]
    private static partial Regex CodePattern();
}

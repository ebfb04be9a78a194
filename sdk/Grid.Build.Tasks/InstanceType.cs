using System.Text.RegularExpressions;

namespace Grid.Build.Tasks;

/// <summary>
/// An EC2 instance type name, <c>family.size</c>, and the architecture its family runs. EC2 names a family
/// series · generation · options (<c>c7gd</c>: series c, generation 7, options g and d); the option letter g marks
/// AWS Graviton (arm64), as in c7g, m6g, r7gd, t4g, c8g, im4gn, is4gen, x2gd and g5g, and a1 is the first Graviton.
/// Every other family is x86-64 (Intel or AMD), and so are the high-memory u-*tb1 families.
/// </summary>
internal static partial class InstanceType
{
    /// <summary>Parses a name such as <c>c7i.large</c>; null when it is not shaped like an EC2 instance type.</summary>
    public static string? ArchitectureOf(string name)
    {
        var match = NamePattern().Match(name);
        if (!match.Success)
        {
            return null;
        }

        string family = match.Groups["family"].Value;
        if (HighMemoryPattern().IsMatch(family))
        {
            return GridArchitectures.Amd64;
        }

        var parts = FamilyPattern().Match(family);
        if (!parts.Success)
        {
            return null;
        }

        string series = parts.Groups["series"].Value;
        int generation = int.Parse(parts.Groups["generation"].Value, System.Globalization.CultureInfo.InvariantCulture);
        bool graviton = parts.Groups["options"].Value.Contains('g', StringComparison.Ordinal)
            || family == "a1"
            // mac1 is Intel; mac2 and later are Apple silicon.
            || (series == "mac" && generation >= 2);
        return graviton ? GridArchitectures.Arm64 : GridArchitectures.Amd64;
    }

    // family.size, where the size is one EC2 uses: nano … 48xlarge, metal, metal-24xl.
    [GeneratedRegex("^(?<family>[a-z][a-z0-9-]*)\\.(?<size>nano|micro|small|medium|large|[0-9]*xlarge|metal(?:-[0-9]+xl)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    // series letters, generation digits, option letters, and an optional suffix such as -flex or -m2pro.
    [GeneratedRegex("^(?<series>[a-z]+)(?<generation>[0-9]+)(?<options>[a-z]*)(?:-[a-z0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FamilyPattern();

    // The first high-memory families: u-3tb1, u-6tb1, ... u-24tb1.
    [GeneratedRegex("^u-[0-9]+tb[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HighMemoryPattern();
}

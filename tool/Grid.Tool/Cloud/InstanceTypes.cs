using System.Text.RegularExpressions;

namespace Grid.Tool.Cloud;

/// <summary>
/// What Grid knows of EC2 instance types without asking EC2: the processor architecture a type's name implies
/// (Graviton families carry a 'g' after the generation digit: m7g, c6gn, t4g, x2gd; and a1), and the types a
/// job gets when it names none.
/// </summary>
public static partial class InstanceTypes
{
    /// <summary>Spot pools of common general-purpose and compute types: several, so that one pool's shortage is no outage.</summary>
    public static readonly IReadOnlyList<string> DefaultX64 = ["c7i.large", "c6i.large", "m7i.large", "m6i.large", "c6a.large", "m6a.large"];

    public static readonly IReadOnlyList<string> DefaultArm64 = ["c7g.large", "c6g.large", "m7g.large", "m6g.large"];

    /// <summary>The defaults for an image's architecture (<c>amd64</c>/<c>x64</c> or <c>arm64</c>).</summary>
    public static IReadOnlyList<string> DefaultsFor(string architecture) =>
        Normalize(architecture) == "arm64" ? DefaultArm64 : DefaultX64;

    /// <summary>An instance type's shape: family, a dot, a size (<c>c7g.large</c>, <c>u-6tb1.metal</c>).</summary>
    public static bool LooksValid(string instanceType) => Shape().IsMatch(instanceType);

    /// <summary><c>arm64</c> for Graviton types, otherwise <c>amd64</c>.</summary>
    public static string ArchitectureOf(string instanceType)
    {
        string family = instanceType.Split('.')[0];
        return family == "a1" || Graviton().IsMatch(family) ? "arm64" : "amd64";
    }

    /// <summary>OCI's names: <c>amd64</c> and <c>arm64</c> (x64, x86_64 and aarch64 are the same machines).</summary>
    public static string Normalize(string architecture) => architecture.ToLowerInvariant() switch
    {
        "x64" or "x86_64" or "amd64" => "amd64",
        "arm64" or "aarch64" or "arm64/v8" => "arm64",
        var other => other,
    };

    [GeneratedRegex("^[a-z]+[0-9]+g")]
    private static partial Regex Graviton();

    [GeneratedRegex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$")]
    private static partial Regex Shape();
}

using System.Globalization;
using System.Xml.Linq;

namespace Grid.Build.Tasks.Tests;

public sealed class DefaultsTests
{
    private static readonly Dictionary<string, string> PropsDefaults = XDocument.Load(Repository.File("sdk", "Grid.Sdk", "build", "Grid.Sdk.props"))
        .Root!.Elements("PropertyGroup").Elements()
        .Where(e => e.Name.LocalName.StartsWith("Grid", StringComparison.Ordinal))
        .ToDictionary(e => e.Name.LocalName, e => e.Value);

    [Fact]
    public void ThePropsFileAndTheTasksApplyTheSameDefaults()
    {
        var invariant = CultureInfo.InvariantCulture;
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["GridWorkers"] = GridDefaults.Workers.ToString(invariant),
                ["GridCpu"] = GridDefaults.Cpu.ToString(invariant),
                ["GridMemoryMiB"] = GridDefaults.MemoryMiB.ToString(invariant),
                ["GridGpu"] = GridDefaults.Gpu.ToString(invariant),
                ["GridSpot"] = GridDefaults.Spot ? "true" : "false",
                ["GridOnDemandFallback"] = GridDefaults.OnDemandFallback ? "true" : "false",
                ["GridMaxAttempts"] = GridDefaults.MaxAttempts.ToString(invariant),
                ["GridBaseImage"] = GridDefaults.BaseImage,
                ["GridImageTag"] = GridDefaults.ImageTag,
            },
            PropsDefaults);
    }

    [Fact]
    public void EveryDefaultIsSetOnlyWhenEmptyWithAComment()
    {
        var group = XDocument.Load(Repository.File("sdk", "Grid.Sdk", "build", "Grid.Sdk.props"))
            .Root!.Elements("PropertyGroup").Single(g => g.Elements().Any(e => e.Name.LocalName == "GridWorkers"));
        foreach (var property in group.Elements())
        {
            Assert.Equal($"'$({property.Name.LocalName})' == ''", (string?)property.Attribute("Condition"));
            Assert.IsType<XComment>(property.PreviousNode);
        }
    }

    [Fact]
    public void EveryGridPropertyIsDocumentedInTheSdkReadme()
    {
        string readme = File.ReadAllText(Repository.File("sdk", "README.md"));
        string[] properties =
        [
            "GridWorkers", "GridSlotsPerWorker", "GridCpu", "GridMemoryMiB", "GridGpu", "GridInstanceTypes", "GridSpot",
            "GridMaxSpotPrice", "GridOnDemandFallback", "GridRegion", "GridRepository", "GridTaskTimeout", "GridMaxAttempts",
            "GridBaseImage", "GridArchitecture", "GridRegistry", "GridImageTag", "PublishGrid", "EnableGridArchitectureCheck",
        ];
        Assert.All(properties, p => Assert.Contains($"| `{p}` |", readme, StringComparison.Ordinal));
    }
}

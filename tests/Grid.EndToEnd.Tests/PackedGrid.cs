namespace Grid.EndToEnd.Tests;

/// <summary>
/// Grid as a user gets it: every package packed by eng/pack.sh at a version of this test run's own (so no
/// cached package of an earlier build is used), the tool installed into a private tool path, the template
/// into a private template hive, and a private NuGet cache. Made once for all end-to-end tests.
/// </summary>
public sealed class PackedGrid : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("grid-e2e-").FullName;

    public string Version { get; } = $"0.1.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmss}.{Random.Shared.Next(1000, 9999)}";

    public string Feed => Path.Combine(Root, "feed");

    public string Tools => Path.Combine(Root, "tools");

    public string Hive => Path.Combine(Root, "hive");

    /// <summary>The folder jobs are scaffolded in: its nuget.config adds the feed.</summary>
    public string Work => Path.Combine(Root, "work");

    public static string RepositoryRoot => LoopbackRegistry.RepositoryRoot;

    /// <summary>The environment of a user who installed Grid: the tool on PATH, private caches.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["NUGET_PACKAGES"] = Path.Combine(Root, "nuget"),
        ["PATH"] = Tools + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH"),
        ["CI"] = "true",
    };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Work);
        var pack = await Shell.RunAsync("bash", [Path.Combine(RepositoryRoot, "eng", "pack.sh"), Version], RepositoryRoot,
            new Dictionary<string, string?> { ["GRID_PACKAGES_DIR"] = Feed }, TimeSpan.FromMinutes(10));
        Require(pack, "eng/pack.sh");
        await File.WriteAllTextAsync(Path.Combine(Work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="grid-local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        Require(await DotnetAsync(Work, "tool", "install", "Grid.Tool", "--version", Version, "--tool-path", Tools, "--add-source", Feed), "dotnet tool install");
        Require(await DotnetAsync(Work, "new", "install", Path.Combine(Feed, $"Grid.Templates.{Version}.nupkg"), "--debug:custom-hive", Hive), "dotnet new install");
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    public Task<Shell.Result> DotnetAsync(string workingDirectory, params string[] arguments) =>
        Shell.RunAsync("dotnet", arguments, workingDirectory, Environment, TimeSpan.FromMinutes(5));

    /// <summary>Scaffolds a job with `dotnet new gridjob -n NAME` and returns its folder.</summary>
    public async Task<string> NewJobAsync(string name)
    {
        Require(await DotnetAsync(Work, "new", "gridjob", "-n", name, "--debug:custom-hive", Hive), "dotnet new gridjob");
        return Path.Combine(Work, name);
    }

    public static void Require(Shell.Result result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} exited {result.ExitCode}:\n{result.All}");
        }
    }
}

/// <summary>The end-to-end tests share one packed Grid and, for those that build images, one container lab.</summary>
[CollectionDefinition(Name)]
public sealed class PackedGridTests : ICollectionFixture<PackedGrid>, ICollectionFixture<ContainerLab>
{
    public const string Name = "packed grid";
}

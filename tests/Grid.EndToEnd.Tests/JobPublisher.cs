using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// Runs `dotnet publish -p:PublishGrid=true` (and the MSBuild targets behind it) on a scaffolded job the way a user
/// on this machine would: the packed Grid, the lab's registry and base image, and a layer cache of the job's own.
/// </summary>
public sealed partial class JobPublisher(PackedGrid grid, ContainerLab lab, string job)
{
    public string Job { get; } = job;

    public string Name { get; } = Path.GetFileName(job);

    public sealed record Publish(Shell.Result Result, TimeSpan Elapsed)
    {
        /// <summary>The path printed as `Grid manifest: PATH`.</summary>
        public string ManifestPath
        {
            get
            {
                var match = ManifestLine().Match(Result.Out);
                Assert.True(match.Success, "no 'Grid manifest: <path>' line in:\n" + Result.All);
                return match.Groups["path"].Value.Trim();
            }
        }

        public JsonNode Manifest => JsonNode.Parse(File.ReadAllText(ManifestPath))!;

        public bool BuiltAnImage => Result.Out.Contains("Building image", StringComparison.Ordinal);
    }

    /// <summary>Variables to set for this job's publishes, over the lab's; a null value leaves the variable out.</summary>
    public Dictionary<string, string?> EnvironmentOverrides { get; } = [];

    public Dictionary<string, string?> Environment()
    {
        var environment = new Dictionary<string, string?>(grid.Environment);
        foreach (var (name, value) in lab.Environment)
        {
            environment[name] = value;
        }

        // The SDK's layer cache is $XDG_CACHE_HOME/dotnet/Containers: one per job keeps the tests apart.
        environment["XDG_CACHE_HOME"] = Path.Combine(lab.StateDirectory, "xdg-" + Name);
        foreach (var (name, value) in EnvironmentOverrides)
        {
            if (value is null)
            {
                environment.Remove(name);
            }
            else
            {
                environment[name] = value;
            }
        }

        return environment;
    }

    /// <summary>dotnet publish -p:PublishGrid=true over the lab's base image, with extra -p: arguments.</summary>
    public async Task<Publish> PublishAsync(params string[] properties)
    {
        var clock = Stopwatch.StartNew();
        var result = await Shell.RunAsync(
            "dotnet",
            ["publish", "-nologo", "-p:PublishGrid=true", $"-p:GridBaseImage={lab.BaseImage}", .. properties],
            Job,
            Environment(),
            TimeSpan.FromMinutes(5));
        return new Publish(result, clock.Elapsed);
    }

    /// <summary>dotnet msbuild -t:TARGET with extra arguments: runs the target alone, without restore or build.</summary>
    public Task<Shell.Result> MSBuildAsync(string target, params string[] arguments) =>
        Shell.RunAsync("dotnet", ["msbuild", "-nologo", $"-t:{target}", .. arguments], Job, Environment(), TimeSpan.FromMinutes(2));

    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Checks a grid.json against docs/grid-manifest.schema.json with Python's jsonschema, an independent validator.</summary>
    public static async Task AssertMatchesSchemaAsync(string manifest)
    {
        string schema = Path.Combine(PackedGrid.RepositoryRoot, "docs", "grid-manifest.schema.json");
        var result = await Shell.RunAsync(
            "/usr/bin/python3",
            ["-c", "import json, sys, jsonschema; s = json.load(open(sys.argv[1])); jsonschema.Draft202012Validator.check_schema(s); jsonschema.Draft202012Validator(s).validate(json.load(open(sys.argv[2]))); print('valid')", schema, manifest],
            Path.GetDirectoryName(manifest)!);
        if (result.Error.Contains("No module named 'jsonschema'", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("python3-jsonschema is missing; run: eng/install-deps.sh");
        }

        PackedGrid.Require(result, $"validating {manifest} against {schema}");
    }

    [GeneratedRegex("^\\s*Grid manifest: (?<path>.+)$", RegexOptions.Multiline)]
    private static partial Regex ManifestLine();
}

using System.Text;
using Grid.Aws.Ec2;

namespace Grid.Tool.Cloud;

/// <summary>
/// What Grid calls and tags the AWS resources of a run. Every resource carries <c>grid:job</c> and
/// <c>grid:run</c> (and <c>grid:managed-by</c>), so that <c>dotnet grid down</c> finds all of a job's resources from
/// the tags alone, whatever state the head was left in; names are derived from the same two values so that a
/// Batch object (which EC2's tag filters cannot reach) is found by its name's prefix as well.
/// </summary>
public sealed record CloudNames(string Job, string RunId)
{
    public const string JobTag = "grid:job";
    public const string RunTag = "grid:run";
    public const string ManagedByTag = "grid:managed-by";
    public const string ManagedBy = "dotnet-grid";

    /// <summary>The job's name as AWS names allow it: lowercase letters, digits and '-', at most 40 characters.</summary>
    public string JobSlug { get; } = Slug(Job, 40);

    /// <summary>The prefix of every named resource of this job: <c>grid-tilestats-</c>.</summary>
    public string JobPrefix => $"grid-{JobSlug}-";

    /// <summary>The base name of this run's resources: <c>grid-tilestats-20261121-061502-a3f9</c>.</summary>
    public string RunName => JobPrefix + Slug(RunId, 60);

    public string WorkerSecurityGroup => RunName + "-workers";

    public string HeadSecurityGroup => RunName + "-head";

    public string LaunchTemplate => RunName;

    public string ComputeEnvironment => RunName;

    public string JobQueue => RunName;

    public string JobDefinition => RunName;

    public IReadOnlyList<Tag> Tags =>
    [
        new(JobTag, Job),
        new(RunTag, RunId),
        new(ManagedByTag, ManagedBy),
    ];

    public IReadOnlyDictionary<string, string> TagMap => Tags.ToDictionary(t => t.Key, t => t.Value);

    /// <summary>Lowercase letters and digits kept, every other run of characters one '-', trimmed to <paramref name="max"/>.</summary>
    public static string Slug(string text, int max)
    {
        var slug = new StringBuilder(text.Length);
        foreach (char c in text.ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        string result = slug.ToString().Trim('-');
        result = result.Length > max ? result[..max].TrimEnd('-') : result;
        return result.Length == 0 ? "job" : result;
    }
}

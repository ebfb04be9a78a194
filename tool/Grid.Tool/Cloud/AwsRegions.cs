namespace Grid.Tool.Cloud;

/// <summary>
/// The regions AWS has (commercial, GovCloud and China partitions). A name outside this list is a typo far more
/// often than a region newer than the tool, and it must fail before anything is created; a newer region can be
/// allowed with <c>GRID_AWS_EXTRA_REGIONS</c> (comma-separated) until the tool is updated.
/// </summary>
public static class AwsRegions
{
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
        "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
        "af-south-1", "il-central-1", "me-south-1", "me-central-1",
        "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
        "us-gov-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
    };

    public static bool IsKnown(string region, Func<string, string?> environment) =>
        Known.Contains(region)
        || (environment("GRID_AWS_EXTRA_REGIONS") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Contains(region, StringComparer.Ordinal);
}

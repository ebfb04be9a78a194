using Amazon.Runtime;

namespace Grid.Aws.Core;

/// <summary>
/// Region resolution, in the order the AWS CLI uses: an explicit value, <c>AWS_REGION</c>,
/// <c>AWS_DEFAULT_REGION</c>, then AWSSDK.Core's fallback chain (the profile's <c>region</c>, then the
/// instance metadata service when running on EC2).
/// </summary>
public static class AwsRegion
{
    /// <summary>The region, or null when none is configured anywhere.</summary>
    public static string? Resolve(string? explicitRegion, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var candidate in new[] { explicitRegion, environment("AWS_REGION"), environment("AWS_DEFAULT_REGION") })
        {
            if (!string.IsNullOrWhiteSpace(candidate))
            {
                return candidate.Trim();
            }
        }
        try
        {
            return FallbackRegionFactory.GetRegionEndpoint()?.SystemName;
        }
        catch (AmazonClientException)
        {
            return null;
        }
    }

    /// <summary>A region name's shape (<c>us-east-1</c>, <c>ap-southeast-2</c>, <c>us-gov-west-1</c>), not its existence.</summary>
    public static bool LooksValid(string region) =>
        System.Text.RegularExpressions.Regex.IsMatch(region, "^[a-z]{2}(-[a-z]+)+-[0-9]+$");
}

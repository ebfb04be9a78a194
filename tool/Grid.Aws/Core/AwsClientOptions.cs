namespace Grid.Aws.Core;

/// <summary>
/// What every client needs: the region, credentials, how to find endpoints, the retry policy, a clock and,
/// for tests, the wait and the random numbers the backoff uses.
/// </summary>
public sealed record AwsClientOptions
{
    public required string Region { get; init; }

    public required IAwsCredentialSource Credentials { get; init; }

    /// <summary>Reads environment variables (endpoint overrides); tests pass a dictionary's lookup.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public AwsRetryPolicy Retry { get; init; } = AwsRetryPolicy.Standard;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Waits between attempts; tests record the waits instead of sleeping.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = (delay, token) => Task.Delay(delay, token);

    /// <summary>A uniform random number in [0, 1) for jitter.</summary>
    public Func<double> Random { get; init; } = System.Random.Shared.NextDouble;

    /// <summary>The standard chain and region: what the AWS CLI would use in this environment.</summary>
    public static AwsClientOptions FromEnvironment(string? region = null)
    {
        var resolved = AwsRegion.Resolve(region, System.Environment.GetEnvironmentVariable)
            ?? throw new AwsException("AWS", "ResolveRegion", "NoRegion",
                "no region is configured; set AWS_REGION or the profile's region", null, null);
        return new AwsClientOptions { Region = resolved, Credentials = new DefaultCredentialSource() };
    }
}

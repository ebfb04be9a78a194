namespace Grid.Aws.Core;

/// <summary>
/// When and how long to wait before sending a request again. Capped exponential backoff with full jitter
/// (a random wait between zero and <c>min(MaxDelay, BaseDelay × 2^n)</c>): many heads throttled at once
/// spread out instead of retrying in step. A <c>Retry-After</c> the service sent is a floor on the wait.
/// </summary>
public sealed record AwsRetryPolicy
{
    /// <summary>EC2 throttles per account and per action; 8 attempts ride out about 20 s of RequestLimitExceeded.</summary>
    public static readonly AwsRetryPolicy Standard = new();

    public int MaxAttempts { get; init; } = 8;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The longest Retry-After honoured; a longer one is treated as this.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The wait before attempt <paramref name="attempt"/> + 1 (attempt counts from 1), given a uniform random
    /// number in [0, 1) and the service's Retry-After, if any.
    /// </summary>
    public TimeSpan Delay(int attempt, double random, TimeSpan? retryAfter)
    {
        var exponent = Math.Min(attempt - 1, 30);
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        var jittered = TimeSpan.FromMilliseconds(ceiling * random);
        if (retryAfter is { } after && after > TimeSpan.Zero)
        {
            var floor = after < MaxRetryAfter ? after : MaxRetryAfter;
            return jittered > floor ? jittered : floor;
        }
        return jittered;
    }
}

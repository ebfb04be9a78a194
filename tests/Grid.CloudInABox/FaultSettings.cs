using System.Globalization;

namespace Grid.CloudInABox;

/// <summary>
/// Faults to inject. <see cref="ThrottleShare"/> of calls (per service id, or "*" for all) are refused with the
/// service's own throttling error before they touch any state; <see cref="NoCapacity"/> lists instance types
/// for which CreateFleet reports InsufficientInstanceCapacity.
/// </summary>
public sealed record FaultSettings
{
    public IReadOnlyDictionary<string, double> ThrottleShare { get; init; } = new Dictionary<string, double>();

    public IReadOnlySet<string> NoCapacity { get; init; } = new HashSet<string>();

    /// <summary>Seeds the throttling dice, so a failing test can be replayed.</summary>
    public int Seed { get; init; } = 1;

    public double ShareFor(string service) =>
        ThrottleShare.TryGetValue(service, out var share) ? share : ThrottleShare.GetValueOrDefault("*");

    /// <summary>
    /// GRID_CLOUD_THROTTLE (all services) or GRID_CLOUD_THROTTLE_EC2/_ECR/_BATCH/_STS: a share from 0 to 1;
    /// GRID_CLOUD_NO_CAPACITY: instance types, comma-separated; GRID_CLOUD_SEED.
    /// </summary>
    public static FaultSettings FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var shares = new Dictionary<string, double>();
        foreach (var (key, variable) in new[] { ("*", "GRID_CLOUD_THROTTLE"), ("EC2", "GRID_CLOUD_THROTTLE_EC2"),
            ("ECR", "GRID_CLOUD_THROTTLE_ECR"), ("Batch", "GRID_CLOUD_THROTTLE_BATCH"), ("STS", "GRID_CLOUD_THROTTLE_STS") })
        {
            if (environment(variable) is { Length: > 0 } text)
            {
                shares[key] = double.Parse(text, CultureInfo.InvariantCulture);
            }
        }
        var noCapacity = (environment("GRID_CLOUD_NO_CAPACITY") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var seed = environment("GRID_CLOUD_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : 1;
        return new FaultSettings { ThrottleShare = shares, NoCapacity = noCapacity, Seed = seed };
    }
}

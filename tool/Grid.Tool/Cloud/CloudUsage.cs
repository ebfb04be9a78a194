using System.Text.Json;
using System.Text.RegularExpressions;
using Grid.Aws.Ec2;

namespace Grid.Tool.Cloud;

/// <summary>
/// One EC2 instance a run paid for, as cloud.json records it for the report's cost: an EC2 worker, or a Batch
/// container host. <paramref name="Zone"/> is its availability zone (spot prices differ by zone),
/// <paramref name="Lifecycle"/> <c>spot</c> or <c>on-demand</c>. <paramref name="EndedBy"/> says where
/// <paramref name="Ended"/> comes from: <c>teardown</c> (still running when teardown began: the teardown time),
/// <c>ec2</c> (gone before: the time EC2 gives in its state transition reason) or <c>worker</c> (gone before, EC2
/// gave no time: when its worker's session ended, from workers.jsonl).
/// </summary>
public sealed record InstanceUsage(
    string Id, string InstanceType, string? Zone, string Lifecycle, DateTimeOffset Launched, DateTimeOffset Ended, string EndedBy)
{
    public double Hours => Math.Max(0, (Ended - Launched).TotalHours);
}

/// <summary>A spot price that came into force in a zone at <paramref name="Timestamp"/> (USD per instance-hour, Linux).</summary>
public sealed record SpotPricePoint(string InstanceType, string Zone, decimal Price, DateTimeOffset Timestamp);

/// <summary>What a run's instances were, and the spot prices in force while they ran.</summary>
public sealed record CloudUsageRecord(IReadOnlyList<InstanceUsage> Instances, IReadOnlyList<SpotPricePoint> SpotPriceHistory);

/// <summary>
/// Reads back, when teardown begins, every instance the run had, from EC2 itself rather than from what was asked
/// for: by the run's tags for EC2 workers, by the Batch tag <c>aws:batch:compute-environment</c> for the container
/// hosts of the run's environment (Batch launches those, not Grid). Terminated instances are included, so a
/// reclaimed worker is counted for the time it ran. Then the spot price history of the types seen, from the run's
/// start: EC2 gives the price in force at that start and every change since, per zone.
/// </summary>
public static partial class CloudUsage
{
    /// <summary>The tag AWS Batch puts on the instances of a compute environment.</summary>
    public const string BatchEnvironmentTag = "aws:batch:compute-environment";

    public const string EndedByTeardown = "teardown";
    public const string EndedByEc2 = "ec2";
    public const string EndedByWorker = "worker";

    /// <summary>The describe filter that finds the instances the run paid for (all states).</summary>
    public static IReadOnlyList<Filter> InstanceFilter(CloudJob job) => job.Backend == CloudBackend.Batch
        ? [Filter.Tag(BatchEnvironmentTag, job.Names.ComputeEnvironment)]
        : [Filter.Tag(CloudNames.JobTag, job.Names.Job), Filter.Tag(CloudNames.RunTag, job.Names.RunId)];

    public static async Task<CloudUsageRecord> CollectAsync(
        IEc2 ec2, CloudJob job, DateTimeOffset runStart, DateTimeOffset teardownAt, IReadOnlyList<LaunchedWorker> launched,
        string workersJsonl, CancellationToken cancellationToken)
    {
        var instances = await ec2.DescribeInstancesAsync(filters: InstanceFilter(job), cancellationToken: cancellationToken).ConfigureAwait(false);
        var requested = launched.GroupBy(l => l.Id).ToDictionary(g => g.Key, g => g.First().RequestedAt, StringComparer.Ordinal);
        var usage = Usage(instances, teardownAt, runStart, requested, WorkerEnds(workersJsonl));
        var types = usage.Select(u => u.InstanceType).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (types.Count == 0)
        {
            return new CloudUsageRecord(usage, []);
        }

        var prices = await ec2.DescribeSpotPriceHistoryAsync(types, runStart, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new CloudUsageRecord(usage, [.. prices
            .Select(p => new SpotPricePoint(p.InstanceType, p.AvailabilityZone, p.Price, p.Timestamp))
            .Distinct()
            .OrderBy(p => p.InstanceType, StringComparer.Ordinal).ThenBy(p => p.Zone, StringComparer.Ordinal).ThenBy(p => p.Timestamp)]);
    }

    /// <summary>Each instance's life: launch as EC2 gives it, end as described on <see cref="InstanceUsage"/>.</summary>
    public static IReadOnlyList<InstanceUsage> Usage(
        IEnumerable<Instance> instances, DateTimeOffset teardownAt, DateTimeOffset runStart,
        IReadOnlyDictionary<string, DateTimeOffset> requested, IReadOnlyDictionary<string, DateTimeOffset> workerEnds)
    {
        var usage = new List<InstanceUsage>();
        foreach (var instance in instances.DistinctBy(i => i.InstanceId))
        {
            var launched = instance.LaunchTime ?? requested.GetValueOrDefault(instance.InstanceId, runStart);
            var (ended, by) = instance.State is "pending" or "running"
                ? (teardownAt, EndedByTeardown)
                : instance.TransitionTime is { } at
                    ? (at, EndedByEc2)
                    : workerEnds.TryGetValue(instance.InstanceId, out var worker)
                        ? (worker, EndedByWorker)
                        : (teardownAt, EndedByTeardown);
            usage.Add(new InstanceUsage(instance.InstanceId, instance.InstanceType, instance.AvailabilityZone,
                instance.Lifecycle is { Length: > 0 } lifecycle ? lifecycle : "on-demand", launched, ended < launched ? launched : ended, by));
        }

        return [.. usage.OrderBy(u => u.Launched).ThenBy(u => u.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// When each named worker's last session ended, from workers.jsonl: a cloud worker names itself (an EC2 worker by
    /// its instance id) in its Hello, which the head records in <c>location</c> as <c>host:port (name, pid N)</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, DateTimeOffset> WorkerEnds(string workersJsonl)
    {
        var ends = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        if (!File.Exists(workersJsonl))
        {
            return ends;
        }

        foreach (string line in File.ReadLines(workersJsonl))
        {
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                if (root.TryGetProperty("location", out var location) && location.GetString() is { } text
                    && WorkerName().Match(text) is { Success: true } match
                    && root.TryGetProperty("ended", out var endedText) && endedText.TryGetDateTimeOffset(out var ended))
                {
                    string name = match.Groups[1].Value;
                    ends[name] = ends.TryGetValue(name, out var earlier) && earlier > ended ? earlier : ended;
                }
            }
            catch (JsonException)
            {
                // A torn last line (the head was killed mid-write) names no worker.
            }
        }

        return ends;
    }

    [GeneratedRegex(@"\(([^,()]+), pid \d+\)$")]
    private static partial Regex WorkerName();
}

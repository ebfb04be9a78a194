using System.Text.Json;
using Grid.Tool.Cloud;
using Grid.Tool.Output;

namespace Grid.Tool.Reports;

/// <summary>
/// A cloud run (backend <c>aws-ec2</c> or <c>aws-batch</c>) costs its instances' hours, from cloud.json alone (no
/// AWS call at report time). One line per instance type and lifecycle: the instance-hours (each instance from
/// launch to end), what they cost, and what the same hours cost on demand.
/// <para>
/// Spot hours are priced as AWS bills them: at the spot price in force in the instance's zone at each moment. The
/// price history (cloud.json's <c>spotPriceHistory</c>) is a step function per type and zone: a price holds from
/// its timestamp until the next one. An instance's amount is the integral of that step function over its life, and
/// the line's price is the amount ÷ the hours (the mean weighted by time). Before the first point of its zone's history
/// (which EC2 gives from the run's start, so only when the history is incomplete) the first price holds; an instance
/// whose zone has no history at all is priced at its type's spot price at the checks (cloud.json's <c>spotPrices</c>);
/// failing both, the line has no price. On-demand hours are priced, and every line compared, at
/// <see cref="OnDemandPrices"/> (us-east-1 list prices).
/// </para>
/// </summary>
public sealed class CloudCost : ICostSource
{
    public IEnumerable<CostLine> Lines(RunSummary summary, RunFolder folder)
    {
        if (!summary.Backend.StartsWith("aws-", StringComparison.Ordinal) || Read(folder.CloudJson) is not { Instances: { } instances } record)
        {
            return [];
        }

        return Lines(instances, record.SpotPriceHistory ?? [], record.SpotPrices ?? new Dictionary<string, decimal>());
    }

    /// <summary>The lines for these instances, priced from this history (and, for a zone without one, the checks' prices).</summary>
    public static IEnumerable<CostLine> Lines(
        IReadOnlyList<InstanceUsage> instances, IReadOnlyList<SpotPricePoint> history, IReadOnlyDictionary<string, decimal> checkedPrices)
    {
        var byPool = history
            .GroupBy(p => (p.InstanceType, p.Zone))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<SpotPricePoint>)[.. g.OrderBy(p => p.Timestamp)]);
        foreach (var group in instances
            .GroupBy(i => (i.InstanceType, Lifecycle: i.Lifecycle == "spot" ? "spot" : "on-demand"))
            .OrderBy(g => g.Key.InstanceType, StringComparer.Ordinal).ThenBy(g => g.Key.Lifecycle, StringComparer.Ordinal))
        {
            var (type, lifecycle) = group.Key;
            decimal? onDemand = OnDemandPrices.For(type);
            decimal hours = group.Sum(i => Hours(i.Launched, i.Ended));
            decimal? amount = 0;
            bool atChecks = false;
            foreach (var instance in group)
            {
                if (lifecycle != "spot")
                {
                    amount += onDemand * Hours(instance.Launched, instance.Ended);
                }
                else if (byPool.TryGetValue((type, instance.Zone ?? ""), out var points))
                {
                    amount += SpotAmount(points, instance.Launched, instance.Ended);
                }
                else
                {
                    atChecks = true;
                    amount += checkedPrices.TryGetValue(type, out var price) ? price * Hours(instance.Launched, instance.Ended) : null;
                }
            }

            int count = group.Count();
            string basis = $"{count} instance{(count == 1 ? "" : "s")}, launch to end; "
                + (lifecycle != "spot"
                    ? $"on-demand list price ({OnDemandPrices.Region})"
                    : atChecks
                        ? "spot price time-weighted in each one's zone (some at the price seen at the checks: no history for their zone)"
                        : "spot price in force in each one's zone, time-weighted");
            yield return new CostLine($"{type} ({lifecycle})", (double)hours, CostLine.InstanceHours, basis,
                hours > 0 && amount is { } a ? decimal.Round(a / hours, 6) : null, onDemand)
            {
                Amount = amount,
                InstanceType = type,
                Lifecycle = lifecycle,
            };
        }
    }

    /// <summary>
    /// What one spot instance cost from <paramref name="from"/> to <paramref name="to"/>: each price of its pool's
    /// history (oldest first) times the hours it was in force during that span.
    /// </summary>
    public static decimal SpotAmount(IReadOnlyList<SpotPricePoint> points, DateTimeOffset from, DateTimeOffset to)
    {
        if (points.Count == 0 || to <= from)
        {
            return 0;
        }

        // The price in force at `from`: the last one set at or before it, else (an incomplete history) the first.
        int current = 0;
        while (current + 1 < points.Count && points[current + 1].Timestamp <= from)
        {
            current++;
        }

        decimal amount = 0;
        var cursor = from;
        while (cursor < to)
        {
            var until = current + 1 < points.Count && points[current + 1].Timestamp < to ? points[current + 1].Timestamp : to;
            amount += points[current].Price * Hours(cursor, until);
            cursor = until;
            current++;
        }

        return amount;
    }

    public static decimal Hours(DateTimeOffset from, DateTimeOffset to) => to > from ? (decimal)(to - from).Ticks / TimeSpan.TicksPerHour : 0;

    private static CostRecord? Read(string cloudJson)
    {
        try
        {
            return File.Exists(cloudJson) ? JsonSerializer.Deserialize<CostRecord>(File.ReadAllText(cloudJson), CloudRecord.JsonOptions) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The part of cloud.json the cost needs.</summary>
    private sealed record CostRecord(
        string? Region, IReadOnlyDictionary<string, decimal>? SpotPrices, IReadOnlyList<InstanceUsage>? Instances, IReadOnlyList<SpotPricePoint>? SpotPriceHistory);
}

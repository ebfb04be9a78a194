using Grid.Tool.Output;

namespace Grid.Tool.Reports;

/// <summary>
/// One line of a run's cost: a quantity of some resource and, when it has a price, what it cost. A cloud
/// line is, say, 12.5 instance-hours of c7g.large at the spot price, with what on-demand would have cost.
/// </summary>
/// <param name="Item">What was used: "handler time", "c7g.large (spot)".</param>
/// <param name="Quantity">How much of it, in <paramref name="Unit"/>.</param>
/// <param name="Unit">"CPU-seconds", "instance-hours".</param>
/// <param name="Basis">How the quantity was counted, for the reader.</param>
/// <param name="UnitPrice">Price per unit (USD), when priced.</param>
/// <param name="OnDemandUnitPrice">What a unit costs on demand, to show what spot saved.</param>
public sealed record CostLine(string Item, double Quantity, string Unit, string Basis, decimal? UnitPrice = null, decimal? OnDemandUnitPrice = null)
{
    public decimal? Amount => UnitPrice * (decimal)Quantity;

    public decimal? OnDemandAmount => OnDemandUnitPrice * (decimal)Quantity;
}

/// <summary>Where a run's cost lines come from. Each backend that costs something adds one.</summary>
public interface ICostSource
{
    /// <summary>The lines this source prices for the run; none when the run did not use it.</summary>
    IEnumerable<CostLine> Lines(RunSummary summary);
}

/// <summary>A local run costs the machine's time: the slot time handlers used, and the slot time the run held. Each slot is counted as one CPU.</summary>
public sealed class LocalCost : ICostSource
{
    public IEnumerable<CostLine> Lines(RunSummary summary)
    {
        if (summary.Backend != "local")
        {
            yield break;
        }

        yield return new CostLine("Handler time", summary.BusySeconds, "CPU-seconds", "busy time: the sum of every attempt's run time");
        yield return new CostLine("Slot time held", Math.Round(summary.WallSeconds * summary.Slots, 3), "CPU-seconds", $"wall time × {summary.Slots} slots");
    }
}

/// <summary>The cost sources the report asks. The cloud backends add theirs (instance-hours by type × spot price, against on-demand) here.</summary>
internal static class CostSources
{
    public static IReadOnlyList<ICostSource> All { get; } = [new LocalCost()];
}

using Grid.Tool.Output;

namespace Grid.Tool.Reports;

/// <summary>
/// One line of a run's cost: a quantity of some resource and, when it has a price, what it cost. A cloud
/// line is, say, 12.5 instance-hours of c7g.large at the spot price, with what on-demand would have cost.
/// </summary>
/// <param name="Item">What was used: "handler time", "c7g.large (spot)".</param>
/// <param name="Quantity">How much of it, in <paramref name="Unit"/>.</param>
/// <param name="Unit"><see cref="CpuSeconds"/> or <see cref="InstanceHours"/>.</param>
/// <param name="Basis">How the quantity was counted, for the reader.</param>
/// <param name="UnitPrice">Price per unit (USD), when priced; for a price that changed while the quantity was used, the mean weighted by use.</param>
/// <param name="OnDemandUnitPrice">What a unit costs on demand, to show what spot saved.</param>
public sealed record CostLine(string Item, double Quantity, string Unit, string Basis, decimal? UnitPrice = null, decimal? OnDemandUnitPrice = null)
{
    public const string CpuSeconds = "CPU-seconds";
    public const string InstanceHours = "instance-hours";

    private readonly decimal? _amount;

    /// <summary>What the quantity cost: given when it was summed piece by piece at changing prices, else unit price × quantity.</summary>
    public decimal? Amount
    {
        get => _amount ?? UnitPrice * (decimal)Quantity;
        init => _amount = value;
    }

    public decimal? OnDemandAmount => OnDemandUnitPrice * (decimal)Quantity;

    public double Hours => Unit == InstanceHours ? Quantity : Quantity / 3600;

    /// <summary>For an instance line: its EC2 instance type.</summary>
    public string? InstanceType { get; init; }

    /// <summary>For an instance line: <c>spot</c> or <c>on-demand</c>.</summary>
    public string? Lifecycle { get; init; }
}

/// <summary>Where a run's cost lines come from. Each backend that costs something adds one.</summary>
public interface ICostSource
{
    /// <summary>The lines this source prices for the run, from its summary and its folder's files alone; none when the run did not use it.</summary>
    IEnumerable<CostLine> Lines(RunSummary summary, RunFolder folder);
}

/// <summary>A local run costs the machine's time: the slot time handlers used, and the slot time the run held. Each slot is counted as one CPU.</summary>
public sealed class LocalCost : ICostSource
{
    public IEnumerable<CostLine> Lines(RunSummary summary, RunFolder folder)
    {
        if (summary.Backend != "local")
        {
            yield break;
        }

        yield return new CostLine("Handler time", summary.BusySeconds, CostLine.CpuSeconds, "busy time: the sum of every attempt's run time");
        yield return new CostLine("Slot time held", Math.Round(summary.WallSeconds * summary.Slots, 3), CostLine.CpuSeconds, $"wall time × {summary.Slots} slots");
    }
}

/// <summary>The cost sources the report asks: this machine's CPU time for local runs, instance-hours for cloud runs.</summary>
internal static class CostSources
{
    public static IReadOnlyList<ICostSource> All { get; } = [new LocalCost(), new CloudCost()];
}

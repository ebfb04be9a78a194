namespace Grid.Tool.Cloud;

/// <summary>
/// On-demand list prices (USD per instance-hour, Linux, us-east-1) of the instance types Grid defaults to and
/// other common ones, so the report can say what spot saved without AWS's Pricing API (which Grid does not call).
/// Other regions list different prices, usually a little higher; a type not listed here has no on-demand figure.
/// </summary>
public static class OnDemandPrices
{
    /// <summary>The region whose list prices these are.</summary>
    public const string Region = "us-east-1";

    private static readonly Dictionary<string, decimal> Prices = new(StringComparer.Ordinal)
    {
        // Grid's x64 defaults.
        ["c7i.large"] = 0.08925m, ["c6i.large"] = 0.085m, ["m7i.large"] = 0.1008m, ["m6i.large"] = 0.096m,
        ["c6a.large"] = 0.0765m, ["m6a.large"] = 0.0864m,

        // Grid's arm64 (Graviton) defaults.
        ["c7g.large"] = 0.0725m, ["c6g.large"] = 0.068m, ["m7g.large"] = 0.0816m, ["m6g.large"] = 0.077m,

        // Common others.
        ["c5.large"] = 0.085m, ["c5.xlarge"] = 0.17m, ["c6i.xlarge"] = 0.17m, ["c7i.xlarge"] = 0.1785m,
        ["c6a.xlarge"] = 0.153m, ["c6g.xlarge"] = 0.136m, ["c7g.xlarge"] = 0.145m, ["c7g.2xlarge"] = 0.29m,
        ["m5.large"] = 0.096m, ["m5.xlarge"] = 0.192m, ["m6i.xlarge"] = 0.192m, ["m7i.xlarge"] = 0.2016m,
        ["m6a.xlarge"] = 0.1728m, ["m6g.xlarge"] = 0.154m, ["m7g.xlarge"] = 0.1632m,
        ["r5.large"] = 0.126m, ["r6i.large"] = 0.126m, ["r6g.large"] = 0.1008m, ["r7g.large"] = 0.1071m,
        ["t3.micro"] = 0.0104m, ["t3.small"] = 0.0208m, ["t3.medium"] = 0.0416m, ["t3.large"] = 0.0832m,
        ["t4g.micro"] = 0.0084m, ["t4g.small"] = 0.0168m, ["t4g.medium"] = 0.0336m, ["t4g.large"] = 0.0672m,
    };

    /// <summary>Every listed type and its price.</summary>
    public static IReadOnlyDictionary<string, decimal> All => Prices;

    /// <summary>The listed price of a type, or null when it is not listed.</summary>
    public static decimal? For(string instanceType) => Prices.TryGetValue(instanceType, out var price) ? price : null;
}

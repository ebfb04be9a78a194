using System.Globalization;
using System.Text.RegularExpressions;
using Grid.Aws.Ec2;
using Grid.Tool.Cloud;
using Grid.Tool.Output;
using Grid.Tool.Reports;

namespace Grid.Tool.Tests;

/// <summary>The cost of a cloud run: instance-hours from cloud.json, spot hours priced at the price in force in their zone.</summary>
public sealed partial class CloudCostTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);

    private static InstanceUsage Life(string id, string type, string zone, string lifecycle, double fromHours, double toHours) =>
        new(id, type, zone, lifecycle, T0.AddHours(fromHours), T0.AddHours(toHours), CloudUsage.EndedByTeardown);

    private static SpotPricePoint Price(string type, string zone, decimal price, double atHours) => new(type, zone, price, T0.AddHours(atHours));

    [Fact]
    public void SpotHoursArePricedAtThePriceInForceInTheirZoneWeightedByTime()
    {
        SpotPricePoint[] history =
        [
            Price("c7g.large", "us-east-1a", 0.0300m, -1), Price("c7g.large", "us-east-1a", 0.0600m, 0.5),
            Price("c7g.large", "us-east-1b", 0.0400m, -2),
        ];
        InstanceUsage[] instances =
        [
            Life("i-1", "c7g.large", "us-east-1a", "spot", 0, 1),
            Life("i-2", "c7g.large", "us-east-1b", "spot", 0, 2),
        ];

        var line = Assert.Single(CloudCost.Lines(instances, history, new Dictionary<string, decimal>()));

        Assert.Equal("c7g.large", line.InstanceType);
        Assert.Equal("spot", line.Lifecycle);
        Assert.Equal(3.0, line.Hours, 9);
        // i-1: half an hour at 0.03, half at 0.06 = 0.045; i-2: two hours at 0.04 = 0.08.
        Assert.Equal(0.125m, line.Amount);
        Assert.Equal(decimal.Round(0.125m / 3, 6), line.UnitPrice);
        Assert.Equal(0.0725m, line.OnDemandUnitPrice);
        Assert.Equal(0.2175m, line.OnDemandAmount!.Value, 6);
    }

    [Fact]
    public void OnlyThePricesInForceDuringAnInstancesLifeCount()
    {
        SpotPricePoint[] points =
        [
            Price("m7g.large", "us-east-1c", 0.0100m, -10), Price("m7g.large", "us-east-1c", 0.0200m, -5),
            Price("m7g.large", "us-east-1c", 0.0300m, 1), Price("m7g.large", "us-east-1c", 0.0400m, 2),
            Price("m7g.large", "us-east-1c", 0.9900m, 5),
        ];

        // 1 h at 0.02 (set before launch), 1 h at 0.03, 1.5 h at 0.04; the price set after the end does not count.
        Assert.Equal(0.02m + 0.03m + 0.06m, CloudCost.SpotAmount(points, T0, T0.AddHours(3.5)));
        // A history that starts after launch (incomplete): its first price holds from the launch.
        Assert.Equal(0.03m * 0.5m, CloudCost.SpotAmount(points[2..], T0.AddHours(0.5), T0.AddHours(1)));
        Assert.Equal(0m, CloudCost.SpotAmount(points, T0, T0));
    }

    [Fact]
    public void OnDemandInstancesPayTheListPriceAndAnUnlistedTypeHasNoOnDemandFigure()
    {
        InstanceUsage[] instances =
        [
            Life("i-1", "c7g.large", "us-east-1a", "on-demand", 0, 2),
            Life("i-2", "x9z.large", "us-east-1a", "spot", 0, 1),
        ];
        var lines = CloudCost.Lines(instances, [Price("x9z.large", "us-east-1a", 0.5m, -1)], new Dictionary<string, decimal>()).ToList();

        var onDemand = Assert.Single(lines, l => l.InstanceType == "c7g.large");
        Assert.Equal("on-demand", onDemand.Lifecycle);
        Assert.Equal(0.0725m, onDemand.UnitPrice);
        Assert.Equal(0.145m, onDemand.Amount);

        var unlisted = Assert.Single(lines, l => l.InstanceType == "x9z.large");
        Assert.Equal(0.5m, unlisted.Amount);
        Assert.Null(unlisted.OnDemandUnitPrice);
        Assert.Null(unlisted.OnDemandAmount);
    }

    [Fact]
    public void AZoneWithoutHistoryIsPricedAtTheTypesPriceAtTheChecks()
    {
        InstanceUsage[] instances = [Life("i-1", "c6g.large", "us-east-1c", "spot", 0, 2)];

        var line = Assert.Single(CloudCost.Lines(instances, [Price("c6g.large", "us-east-1a", 0.9m, -1)], new Dictionary<string, decimal> { ["c6g.large"] = 0.025m }));
        Assert.Equal(0.05m, line.Amount);
        Assert.Contains("checks", line.Basis, StringComparison.Ordinal);

        var unpriced = Assert.Single(CloudCost.Lines(instances, [], new Dictionary<string, decimal>()));
        Assert.Null(unpriced.Amount);
        Assert.Null(unpriced.UnitPrice);
        Assert.Equal(2.0, unpriced.Hours, 9);
    }

    [Fact]
    public void InstancesEndAtTeardownWhenRunningElseWhenEc2OrTheirWorkerSays()
    {
        string folder = Directory.CreateTempSubdirectory("grid-usage-").FullName;
        try
        {
            string workers = Path.Combine(folder, "workers.jsonl");
            File.WriteAllLines(workers,
            [
                """{"id":"w1","location":"10.0.0.5:40112 (i-0000000000000000c, pid 1)","slots":2,"launched":"2026-11-21T06:00:00Z","ready":null,"ended":"2026-11-21T06:40:00Z","completed":3,"end":"disconnected"}""",
                """{"id":"w2","location":"10.0.0.5:40113 (i-0000000000000000c, pid 1)","slots":2,"launched":"2026-11-21T06:41:00Z","ready":null,"ended":"2026-11-21T06:45:00Z","completed":1,"end":"shutdown"}""",
                """{"id":"w3","location":"pid 12""",
            ]);
            var ends = CloudUsage.WorkerEnds(workers);
            Assert.Equal(T0.AddMinutes(45), Assert.Single(ends).Value);

            var teardown = T0.AddHours(1);
            Instance[] described =
            [
                new("i-0000000000000000a", "c7g.large", "running", "subnet-1", "us-east-1a", null, "spot", T0.AddMinutes(1), [], null),
                new("i-0000000000000000b", "c7g.large", "terminated", "subnet-1", "us-east-1a", null, "spot", T0.AddMinutes(2), [], "Service initiated (2026-11-21 06:20:30 GMT)"),
                new("i-0000000000000000c", "m7g.large", "terminated", "subnet-2", "us-east-1b", null, null, T0.AddMinutes(3), [], ""),
            ];
            var usage = CloudUsage.Usage(described, teardown, T0, new Dictionary<string, DateTimeOffset>(), ends);

            Assert.Collection(usage,
                a => Assert.Equal((T0.AddMinutes(1), teardown, CloudUsage.EndedByTeardown, "spot", "us-east-1a"), (a.Launched, a.Ended, a.EndedBy, a.Lifecycle, a.Zone)),
                b => Assert.Equal((T0.AddMinutes(20.5), CloudUsage.EndedByEc2), (b.Ended, b.EndedBy)),
                c => Assert.Equal((T0.AddMinutes(45), CloudUsage.EndedByWorker, "on-demand"), (c.Ended, c.EndedBy, c.Lifecycle)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ReportOfACloudRunListsInstanceHoursByTypeFromCloudJsonAlone()
    {
        using var run = new ToolRun();
        string folder = SyntheticRun.Write(run.Directory, "cloudy", tasks: 200, workers: 3, slots: 2, backend: "aws-ec2");
        // Written by hand, as the head writes it (only the fields the cost reads, and one it ignores).
        await File.WriteAllTextAsync(Path.Combine(folder, "cloud.json"), """
            {
              "region": "eu-west-1",
              "backend": "ec2",
              "spotPrices": { "c7g.large": 0.031 },
              "pushed": { "reference": "r/x@sha256:00", "digest": "sha256:00", "blobsUploaded": 1, "blobsSkipped": 0, "bytesUploaded": 10 },
              "instances": [
                { "id": "i-1", "instanceType": "c7g.large", "zone": "eu-west-1a", "lifecycle": "spot", "launched": "2026-11-21T06:00:00Z", "ended": "2026-11-21T07:00:00Z", "endedBy": "teardown" },
                { "id": "i-2", "instanceType": "c7g.large", "zone": "eu-west-1b", "lifecycle": "spot", "launched": "2026-11-21T06:00:00Z", "ended": "2026-11-21T08:00:00Z", "endedBy": "ec2" },
                { "id": "i-3", "instanceType": "q9.large", "zone": "eu-west-1a", "lifecycle": "spot", "launched": "2026-11-21T06:30:00Z", "ended": "2026-11-21T07:00:00Z", "endedBy": "worker" }
              ],
              "spotPriceHistory": [
                { "instanceType": "c7g.large", "zone": "eu-west-1a", "price": 0.03, "timestamp": "2026-11-21T05:00:00Z" },
                { "instanceType": "c7g.large", "zone": "eu-west-1a", "price": 0.06, "timestamp": "2026-11-21T06:30:00Z" },
                { "instanceType": "c7g.large", "zone": "eu-west-1b", "price": 0.04, "timestamp": "2026-11-21T04:00:00Z" },
                { "instanceType": "q9.large", "zone": "eu-west-1a", "price": 0.2, "timestamp": "2026-11-21T04:00:00Z" }
              ]
            }
            """);

        int exit = await GridCli.InvokeAsync(["report", "cloudy"], run.Context);

        Assert.True(exit == 0, run.Error);
        string html = await File.ReadAllTextAsync(Path.Combine(folder, RunArtifacts.ReportFileName));
        var rows = CostRow().Matches(html).ToDictionary(m => m.Groups["type"].Value);
        Assert.Equal(["c7g.large", "q9.large"], rows.Keys.Order());
        var c7g = rows["c7g.large"].Groups;
        Assert.Equal(3.0, double.Parse(c7g["hours"].Value, CultureInfo.InvariantCulture), 9);
        Assert.Equal(0.125m, decimal.Parse(c7g["amount"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(decimal.Round(0.125m / 3, 6), decimal.Parse(c7g["price"].Value, CultureInfo.InvariantCulture));
        Assert.Equal("0.0725", c7g["onDemand"].Value);
        var q9 = rows["q9.large"].Groups;
        Assert.Equal(0.1m, decimal.Parse(q9["amount"].Value, CultureInfo.InvariantCulture));
        Assert.Equal("", q9["onDemand"].Value);
        Assert.Contains("<td class=\"num\">—</td>", html, StringComparison.Ordinal);
        Assert.Contains("us-east-1 list prices", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-cost=\"Handler time\"", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("""<tr data-cost="[^"]*" data-quantity="[^"]*" data-instance-type="(?<type>[^"]+)" data-lifecycle="spot" data-hours="(?<hours>[^"]*)" data-price="(?<price>[^"]*)" data-amount="(?<amount>[^"]*)" data-on-demand-price="(?<onDemand>[^"]*)" """)]
    private static partial Regex CostRow();
}

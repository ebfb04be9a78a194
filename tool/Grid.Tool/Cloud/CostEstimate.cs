using System.Globalization;
using Grid.Tool.Output;

namespace Grid.Tool.Cloud;

/// <summary>
/// The dry run's cost estimate: workers × expected hours × the spot price in force. The hours come from the
/// job's latest finished run here (its busy seconds per task, spread over the planned workers' slots), so
/// they are as good as that run is like the planned one; without one, only the hourly rate is given.
/// </summary>
public static class CostEstimate
{
    /// <summary>Instances take this long to boot and pull the image before their first task, and are billed for it.</summary>
    public static readonly TimeSpan StartUp = TimeSpan.FromMinutes(3);

    public static IEnumerable<string> Lines(CloudCheck check, int tasks, string workingDirectory)
    {
        var job = check.Job;
        var priced = job.InstanceTypes.Where(check.SpotPrices.ContainsKey).ToList();
        if (priced.Count == 0 || !job.Spot)
        {
            yield return $"cost       no spot price {(job.Spot ? "published" : "used (on-demand)")} for {string.Join(", ", job.InstanceTypes)}; see the EC2 pricing page";
            yield break;
        }

        decimal low = priced.Min(t => check.SpotPrices[t]);
        decimal high = priced.Max(t => check.SpotPrices[t]);
        string cheapest = priced.MinBy(t => check.SpotPrices[t])!;
        yield return $"spot price {string.Join(", ", priced.Select(t => $"{t} ${check.SpotPrices[t].ToString("0.0000", CultureInfo.InvariantCulture)}/h"))}";
        yield return $"rate       {job.Workers} workers: ${(job.Workers * low).ToString("0.00", CultureInfo.InvariantCulture)}–${(job.Workers * high).ToString("0.00", CultureInfo.InvariantCulture)} per hour";

        var previous = RunCatalog.List(workingDirectory)
            .Where(r => r.Job == job.Names.Job && File.Exists(r.Folder.Summary))
            .Select(r => RunSummary.Read(r.Folder.Summary))
            .FirstOrDefault(s => s.Succeeded > 0 && s.BusySeconds > 0);
        if (previous is null)
        {
            yield return "estimate   no finished run of this job here to time its tasks by; run it with --local first for an estimate";
            yield break;
        }

        double secondsPerTask = previous.BusySeconds / (previous.Succeeded + previous.Failed + previous.TimedOut);
        double hours = (tasks * secondsPerTask / (job.Workers * job.SlotsPerWorker) / 3600) + StartUp.TotalHours;
        decimal cost = job.Workers * (decimal)hours * low;
        yield return $"estimate   about {hours.ToString("0.00", CultureInfo.InvariantCulture)} h of {job.Workers} × {cheapest}: ${cost.ToString("0.00", CultureInfo.InvariantCulture)} "
            + $"(tasks timed at {secondsPerTask.ToString("0.###", CultureInfo.InvariantCulture)} s each by run {previous.RunId}, plus {StartUp.TotalMinutes:0} min start-up)";
    }
}

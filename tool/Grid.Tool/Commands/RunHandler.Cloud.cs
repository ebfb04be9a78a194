using Grid.Aws;
using Grid.Tool.Build;
using Grid.Tool.Cloud;
using Grid.Tool.Diagnostics;
using Grid.Tool.Manifest;

namespace Grid.Tool.Commands;

/// <summary>--target aws: the published image, every check, and (with --dry-run) the plan instead of the run.</summary>
public sealed partial class RunHandler
{
    /// <summary>Makes the AWS clients for a region; tests point them elsewhere.</summary>
    public Func<string, AwsClients>? AwsClientsFactory { get; init; }

    private AwsClients AwsClientsFor(string region) => AwsClientsFactory?.Invoke(region) ?? AwsSession.Create(region, _context.Environment);

    private static void ValidateTarget(RunOptions options)
    {
        if (options.Target == "aws")
        {
            if (options.LocalGiven || options.Container)
            {
                throw new GridException(ErrorCodes.CloudOptions, $"{(options.LocalGiven ? "--local" : "--container")} runs workers on this machine; it cannot go with --target aws. Drop one of them.");
            }
        }
        else if (options.CloudOptionsGiven.Count > 0)
        {
            throw new GridException(ErrorCodes.CloudOptions, $"{string.Join(", ", options.CloudOptionsGiven)} {(options.CloudOptionsGiven.Count == 1 ? "applies" : "apply")} to cloud runs only; add --target aws.");
        }
    }

    /// <summary>
    /// Publishes the job (unless --manifest names a grid.json), then runs every cloud check. Returns null after a
    /// dry run, having printed the plan; nothing has been created either way.
    /// </summary>
    private async Task<JobArtifact?> PrepareCloudAsync(Plan plan, CancellationToken cancellationToken)
    {
        var options = plan.Options;
        string manifestPath = await PublishedManifestAsync(plan, cancellationToken).ConfigureAwait(false);
        var manifest = GridManifest.Read(manifestPath, ToolVersion);
        int workers = options.WorkersGiven ? options.Workers : manifest.Workers.Count;
        int slots = options.Slots ?? manifest.Workers.SlotsPerWorker;
        var names = new CloudNames(manifest.Job.Name, plan.Folder.RunId);
        var check = await new CloudPreflight(AwsClientsFor, AwsSession.Http, _context.Environment, _context.Time)
            .CheckAsync(manifest, options.Cloud, names, workers, slots, cancellationToken).ConfigureAwait(false);
        if (options.Cloud.DryRun)
        {
            WritePlan(check, manifest, plan);
            return null;
        }

        return new JobArtifact(manifest.Job.Assembly, manifestPath) { Cloud = check, GridManifest = manifest, Workers = workers, Slots = slots };
    }

    private void WritePlan(CloudCheck check, GridManifest manifest, Plan plan)
    {
        var options = plan.Options;
        var job = check.Job;
        var output = _context.Out;
        output.WriteLine($"Dry run of {job.Names.Job} ({plan.Tasks.Count:N0} tasks) in {job.Region}, account {job.Account}, as {check.CallerArn}: every check passed; nothing was created.");
        output.WriteLine($"  image      {manifest.Image.Digest} (linux/{job.Architecture}) → {job.Image}{(check.RepositoryExists ? "" : " (repository to be created)")}");
        output.WriteLine($"  workers    {job.Workers} × {job.SlotsPerWorker} slot{(job.SlotsPerWorker == 1 ? "" : "s")} on {(job.Backend == CloudBackend.Batch ? "AWS Batch" : "EC2")} {(job.Spot ? "spot" : "on-demand")}, {string.Join(", ", job.InstanceTypes)}, subnets {string.Join(", ", job.SubnetIds)} ({job.VpcId})");
        output.WriteLine("  would create:");
        if (!check.RepositoryExists)
        {
            output.WriteLine($"    ECR repository       {manifest.Image.Repository} (scan on push, untagged images expire after {CloudSession.UntaggedImageDays} days)");
        }

        foreach (var resource in CloudPlan.Resources(job))
        {
            output.WriteLine($"    {resource.Kind,-20} {resource.Name}: {resource.Detail}");
        }

        output.WriteLine($"  every resource tagged {CloudNames.JobTag}={job.Names.Job}, {CloudNames.RunTag}={job.Names.RunId}; `dotnet grid down --job {job.Names.Job}` deletes them");
        foreach (var line in CostEstimate.Lines(check, plan.Tasks.Count, options.WorkingDirectory))
        {
            output.WriteLine($"  {line}");
        }
    }
}

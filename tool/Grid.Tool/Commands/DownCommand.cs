using System.CommandLine;
using Grid.Aws.Core;
using Grid.Tool.Build;
using Grid.Tool.Cloud;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Commands;

/// <summary>
/// `dotnet grid down`: deletes every AWS resource tagged for a job (or one of its runs), whatever the head
/// left behind. Idempotent: a second call finds nothing and says so.
/// </summary>
public static class DownCommand
{
    public static Command Create(CommandContext context)
    {
        var job = new Option<string?>("--job") { Description = "The job whose resources to delete (default: the project in this folder)." };
        var run = new Option<string?>("--run") { Description = "Only this run's resources (default: every run of the job)." };
        var region = new Option<string?>("--region") { Description = "The region (default: AWS_REGION or the profile's region)." };
        var project = new Option<string?>("--project", "-p") { Description = "The job's project, to name the job when --job is not given." };
        var command = new Command("down", "Delete everything Grid created on AWS for a job: instances, fleets, launch templates, security groups, Batch environments, queues and job definitions.")
        {
            job, run, region, project,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string name = parse.GetValue(job) ?? Path.GetFileNameWithoutExtension(JobProject.Resolve(parse.GetValue(project), context.WorkingDirectory));
            string? resolved = AwsRegion.Resolve(parse.GetValue(region), context.Environment);
            if (resolved is null || !AwsRegions.IsKnown(resolved, context.Environment))
            {
                throw new GridException(ErrorCodes.AwsRegion, resolved is null
                    ? "no AWS region is configured. Pass --region or set AWS_REGION."
                    : $"'{resolved}' is not an AWS region. Check the spelling (regions look like eu-west-1).");
            }

            string? runId = parse.GetValue(run);
            context.Error.WriteLine($"Deleting the AWS resources of job {name}{(runId is null ? "" : $", run {runId}")} in {resolved}...");
            var teardown = new CloudTeardown(AwsSession.Create(resolved, context.Environment), context.Time, line => context.Error.WriteLine(line));
            TeardownReport report;
            try
            {
                report = await teardown.RunAsync(name, runId, cancellationToken).ConfigureAwait(false);
            }
            catch (AwsException e)
            {
                throw AwsFailures.Translate(e, "deleting the job's resources", ExitCodes.RunAborted);
            }

            context.Out.WriteLine($"job {name}: deleted {report}");
            if (report.Failures.Count > 0)
            {
                throw new GridException(ErrorCodes.TeardownIncomplete,
                    $"some resources of job {name} remain: {string.Join("; ", report.Failures)}. Run `dotnet grid down --job {name}` again.", ExitCodes.RunAborted);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}

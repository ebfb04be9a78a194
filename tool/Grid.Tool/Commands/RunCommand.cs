using System.CommandLine;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Commands;

/// <summary>`dotnet grid run`: declares the options and hands a <see cref="RunOptions"/> to <see cref="RunHandler"/>.</summary>
public static class RunCommand
{
    public static Command Create(CommandContext context)
    {
        var local = new Option<bool>("--local") { Description = "Run on this machine over worker processes (the default while no cloud target is configured)." };
        var project = new Option<string?>("--project", "-p") { Description = "The job's project file or folder (default: the current folder)." };
        var tasks = new Option<string?>("--tasks", "-t") { Description = "A JSON Lines file: one task input per line; an \"id\" field names the task." };
        var inputs = new Option<string?>("--inputs", "-i") { Description = "A glob such as 'data/**/*.json': each matching file is a task (id: its relative path)." };
        var workers = new Option<int>("--workers", "-w") { Description = "Worker processes to run.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var slots = new Option<int?>("--slots") { Description = "Tasks each worker runs at once (default: cores ÷ workers, at least 1)." };
        var runId = new Option<string?>("--run-id") { Description = "Name of the run and its folder under grid-runs/ (default: a time-based id)." };
        var maxAttempts = new Option<int>("--max-attempts") { Description = "Attempts a task gets when its handler fails or times out.", DefaultValueFactory = _ => 3 };
        var timeout = new Option<string?>("--timeout") { Description = "Per-attempt time limit, e.g. 30s, 5m, 1h (default: none)." };
        var grace = new Option<string?>("--cancel-grace") { Description = "After a timeout, how long a handler has to stop before its worker is killed (default: 10s)." };
        var prefetch = new Option<int?>("--prefetch") { Description = "Tasks queued on a worker beyond its slots (default: max(2 × slots, 16), raised for short tasks to about 10 ms of work per slot, at most 256 and a share of 65,536 across the workers)." };
        var configuration = new Option<string>("--configuration", "-c") { Description = "Build configuration of the job.", DefaultValueFactory = _ => "Release" };
        var noBuild = new Option<bool>("--no-build") { Description = "Do not build the job first." };
        var container = new Option<bool>("--container") { Description = "Run the workers as containers of the job's published image (podman or docker), publishing it first." };
        var containerRuntime = new Option<string?>("--container-runtime") { Description = "podman or docker (default: the first on PATH)." };
        containerRuntime.AcceptOnlyFromAmong("podman", "docker");
        var manifest = new Option<string?>("--manifest") { Description = "A grid.json from `dotnet publish -p:PublishGrid=true` to run, instead of publishing the job (implies --container)." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run with this id from what it committed: its settings and tasks are kept; committed tasks are not run again." };

        var target = new Option<string>("--target") { Description = "Where workers run: local (this machine) or aws (spot capacity on EC2 or AWS Batch).", DefaultValueFactory = _ => "local" };
        target.AcceptOnlyFromAmong("local", "aws");
        var region = new Option<string?>("--region") { Description = "AWS region (default: GridRegion, then AWS_REGION or the profile's)." };
        var backend = new Option<string>("--backend") { Description = "With --target aws: ec2 (spot fleets) or batch (an AWS Batch SPOT environment).", DefaultValueFactory = _ => "ec2" };
        backend.AcceptOnlyFromAmong("ec2", "batch");
        var advertise = new Option<string?>("--advertise") { Description = "HOST:PORT workers dial to reach the head (default: this machine's address and the listening port)." };
        var listen = new Option<string?>("--listen") { Description = "[ADDRESS:]PORT the head listens on for workers (default: the --advertise port, else a free one)." };
        var subnets = new Option<string?>("--subnets") { Description = "Comma-separated subnet ids of one VPC (default: the default VPC's default subnets)." };
        var profile = new Option<string?>("--instance-profile") { Description = "The workers' instance profile (its role pulls the image; see `dotnet grid iam-policy worker`)." };
        var ami = new Option<string?>("--ami") { Description = "The workers' AMI (default: the ECS-optimized Amazon Linux 2023 for the image's architecture)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check credentials, region, architecture and registry, print every resource the run would create, and create nothing." };

        var command = new Command("run", "Run a job: build it, start workers, feed them the tasks, and collect results in grid-runs/<run-id>/.")
        {
            local, project, tasks, inputs, workers, slots, runId, maxAttempts, timeout, grace, prefetch, configuration, noBuild, resume, container, containerRuntime, manifest,
            target, region, backend, advertise, listen, subnets, profile, ami, dryRun,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new RunOptions
            {
                Project = parse.GetValue(project),
                TasksFile = parse.GetValue(tasks),
                InputsGlob = parse.GetValue(inputs),
                Workers = parse.GetValue(workers),
                WorkersGiven = parse.GetResult(workers) is { Implicit: false },
                Resume = parse.GetValue(resume),
                Slots = parse.GetValue(slots),
                RunId = parse.GetValue(runId),
                MaxAttempts = parse.GetValue(maxAttempts),
                Timeout = ParseDuration(parse.GetValue(timeout), "--timeout"),
                CancelGrace = ParseDuration(parse.GetValue(grace), "--cancel-grace") ?? Head.SchedulerOptions.DefaultCancelGrace,
                Prefetch = parse.GetValue(prefetch),
                Configuration = parse.GetValue(configuration) ?? "Release",
                NoBuild = parse.GetValue(noBuild),
                Container = parse.GetValue(container) || (parse.GetValue(manifest) is not null && parse.GetValue(target) != "aws"),
                ContainerRuntime = parse.GetValue(containerRuntime),
                Manifest = parse.GetValue(manifest),
                WorkingDirectory = context.WorkingDirectory,
                Target = parse.GetValue(target) ?? "local",
                LocalGiven = parse.GetValue(local),
                Cloud = new Cloud.CloudRunOptions
                {
                    Region = parse.GetValue(region),
                    Backend = parse.GetValue(backend) == "batch" ? Cloud.CloudBackend.Batch : Cloud.CloudBackend.Ec2,
                    Advertise = parse.GetValue(advertise),
                    Listen = parse.GetValue(listen),
                    Subnets = parse.GetValue(subnets)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                    InstanceProfile = parse.GetValue(profile),
                    MachineImage = parse.GetValue(ami),
                    DryRun = parse.GetValue(dryRun),
                },
                CloudOptionsGiven = new Option[] { region, backend, advertise, listen, subnets, profile, ami, dryRun }
                    .Where(option => parse.GetResult(option) is { Implicit: false }).Select(option => option.Name).ToList(),
            };
            return await new RunHandler(context).RunAsync(options, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static TimeSpan? ParseDuration(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }

        return DurationParser.TryParse(text, out var value)
            ? value
            : throw new GridException(ErrorCodes.BadOption, $"{option} '{text}' is not a duration; write it like 30s, 5m, 1h30m or 00:05:00.");
    }
}

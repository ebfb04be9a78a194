namespace Grid.Tool.Commands;

/// <summary>What `dotnet grid run` was asked to do, as typed values.</summary>
public sealed record RunOptions
{
    /// <summary>The job's project file or folder; null for the working folder.</summary>
    public string? Project { get; init; }

    /// <summary>A JSON Lines file of tasks.</summary>
    public string? TasksFile { get; init; }

    /// <summary>A glob: each matching file is a task.</summary>
    public string? InputsGlob { get; init; }

    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Whether --workers was given (a resume keeps the run's own count otherwise).</summary>
    public bool WorkersGiven { get; init; }

    /// <summary>Continue this run from its journal instead of starting a new one.</summary>
    public string? Resume { get; init; }

    /// <summary>Concurrent tasks per worker; null picks cores ÷ workers for local runs.</summary>
    public int? Slots { get; init; }

    public string? RunId { get; init; }

    public int MaxAttempts { get; init; } = 3;

    public TimeSpan? Timeout { get; init; }

    public TimeSpan CancelGrace { get; init; } = Head.SchedulerOptions.DefaultCancelGrace;

    public int? Prefetch { get; init; }

    public string Configuration { get; init; } = "Release";

    public bool NoBuild { get; init; }

    /// <summary>Run the workers as containers of the job's published image.</summary>
    public bool Container { get; init; }

    /// <summary>podman or docker; null picks the first on PATH.</summary>
    public string? ContainerRuntime { get; init; }

    /// <summary>A grid.json to run instead of publishing the job (implies containers).</summary>
    public string? Manifest { get; init; }

    /// <summary>Where the workers run: <c>local</c> (processes or containers on this machine) or <c>aws</c>.</summary>
    public string Target { get; init; } = "local";

    /// <summary>Whether --local was given (it cannot go with --target aws).</summary>
    public bool LocalGiven { get; init; }

    /// <summary>The cloud options (region, backend, addresses, subnets, dry run); used with --target aws.</summary>
    public Cloud.CloudRunOptions Cloud { get; init; } = new();

    /// <summary>The cloud options given on the command line (refused without --target aws).</summary>
    public IReadOnlyList<string> CloudOptionsGiven { get; init; } = [];

    /// <summary>The folder that holds grid-runs/.</summary>
    public required string WorkingDirectory { get; init; }
}

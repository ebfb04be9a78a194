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

    /// <summary>Concurrent tasks per worker; null picks cores ÷ workers for local runs.</summary>
    public int? Slots { get; init; }

    public string? RunId { get; init; }

    public int MaxAttempts { get; init; } = 3;

    public TimeSpan? Timeout { get; init; }

    public TimeSpan CancelGrace { get; init; } = Head.SchedulerOptions.DefaultCancelGrace;

    public int? Prefetch { get; init; }

    public string Configuration { get; init; } = "Release";

    public bool NoBuild { get; init; }

    /// <summary>The folder that holds grid-runs/.</summary>
    public required string WorkingDirectory { get; init; }
}

namespace Grid.CloudInABox.Runtime;

/// <summary>How <see cref="ProcessWorkloadRuntime"/> runs instances and Batch jobs on this machine.</summary>
public sealed record ProcessRuntimeSettings
{
    /// <summary>Its state: <c>bin/</c> (the machines' shims), <c>instances/&lt;id&gt;/</c>, <c>jobs/&lt;id&gt;/</c>, the registry login.</summary>
    public required string Directory { get; init; }

    /// <summary>The loopback registry standing in for ECR's (host:port); Batch pulls log in to it. Null: no login.</summary>
    public string? Registry { get; init; }

    public string RegistryUser { get; init; } = "AWS";

    public string RegistryPassword { get; init; } = "";

    /// <summary>
    /// Added to the environment of every process the runtime starts: podman's settings above all
    /// (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF from eng/podman-env.sh).
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long a stopped machine's processes have between SIGTERM and SIGKILL (EC2 gives an OS shutdown).</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(2);
}

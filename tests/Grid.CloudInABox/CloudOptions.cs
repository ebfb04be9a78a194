using Grid.CloudInABox.Runtime;

namespace Grid.CloudInABox;

/// <summary>How the cloud-in-a-box is set up. Every field has a default that suits a test.</summary>
public sealed record CloudOptions
{
    /// <summary>The port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "000000000000";

    /// <summary>The only key pair accepted; requests signed with anything else are refused, as AWS would.</summary>
    public string AccessKeyId { get; init; } = "AKIDGRIDCLOUDINABOX1";

    public string SecretAccessKey { get; init; } = "grid/cloud-in-a-box/not-a-secret";

    /// <summary>Check each request's SigV4 signature against the key pair above (AWS's SignatureDoesNotMatch when wrong).</summary>
    public bool VerifySignatures { get; init; } = true;

    /// <summary>The loopback registry standing in for ECR's: <c>http://127.0.0.1:5000</c>.</summary>
    public string RegistryEndpoint { get; init; } = "http://127.0.0.1:5000";

    public string RegistryUser { get; init; } = "AWS";

    public string RegistryPassword { get; init; } = "";

    /// <summary>How long an instance stays pending, and shutting-down, before the next state.</summary>
    public TimeSpan InstanceTransition { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long Batch objects stay CREATING or DELETING, and jobs SUBMITTED.</summary>
    public TimeSpan BatchTransition { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The faults in force from the start (they can be changed later through /_grid/faults).</summary>
    public FaultSettings Faults { get; init; } = new();

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>What runs for an instance or a Batch job; by default nothing (instances are records only).</summary>
    public IWorkloadRuntime Runtime { get; init; } = new RecordsOnlyRuntime();

    /// <summary>Reads the settings the environment gives (see README.md): GRID_CLOUD_*.</summary>
    public static CloudOptions FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = new CloudOptions { Faults = FaultSettings.FromEnvironment(environment) };
        if (environment("GRID_CLOUD_REGION") is { Length: > 0 } region)
        {
            options = options with { Region = region };
        }
        if (environment("GRID_REGISTRY") is { Length: > 0 } registry)
        {
            options = options with { RegistryEndpoint = "http://" + registry };
        }
        if (environment("GRID_REGISTRY_USER") is { Length: > 0 } user)
        {
            options = options with { RegistryUser = user };
        }
        if (environment("GRID_REGISTRY_PASSWORD") is { Length: > 0 } password)
        {
            options = options with { RegistryPassword = password };
        }
        switch (environment("GRID_CLOUD_WORKLOADS"))
        {
            case null or "" or "records":
                break;
            case "run":
                var directory = environment("GRID_CLOUD_WORKLOADS_DIR") is { Length: > 0 } given
                    ? given
                    : Path.Combine(Path.GetTempPath(), $"grid-cloud-workloads-{Environment.ProcessId}");
                options = options with
                {
                    Runtime = new ProcessWorkloadRuntime(new ProcessRuntimeSettings
                    {
                        Directory = directory,
                        Registry = new Uri(options.RegistryEndpoint).Authority,
                        RegistryUser = options.RegistryUser,
                        RegistryPassword = options.RegistryPassword,
                    }),
                };
                break;
            case var other:
                throw new ArgumentException($"GRID_CLOUD_WORKLOADS is '{other}'; it must be 'records' (the default: instances and jobs are records only) or 'run'.");
        }
        return options;
    }
}

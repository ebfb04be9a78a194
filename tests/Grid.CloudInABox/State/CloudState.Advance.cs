using System.Globalization;

namespace Grid.CloudInABox.State;

public sealed partial class CloudState
{
    /// <summary>Moves every time-driven state on to <paramref name="now"/>. Call under <see cref="Gate"/>.</summary>
    public void Advance(DateTimeOffset now)
    {
        var instanceStep = Options.InstanceTransition;
        foreach (var instance in Instances.Values)
        {
            if (instance.InterruptionAt is { } at && now >= at && instance.State is "pending" or "running")
            {
                BeginTermination(instance, now, "Server.SpotInstanceTermination", "Server.SpotInstanceTermination: Spot instance termination");
            }
            if (instance.State == "pending" && now - instance.StateSince >= instanceStep)
            {
                instance.State = "running";
                instance.StateSince = now;
                if (!instance.Started)
                {
                    instance.Started = true;
                    var start = InstanceStart(instance);
                    RuntimeCalls.Enqueue((runtime, token) => runtime.StartAsync(start, token));
                }
            }
            else if (instance.State is "shutting-down" or "stopping" && now - instance.StateSince >= instanceStep)
            {
                instance.State = instance.State == "stopping" ? "stopped" : "terminated";
                instance.StateSince = now;
            }
        }

        AdvanceBatch(now);
    }

    /// <summary>Sends an instance to shutting-down (then terminated) and tells the runtime to stop it.</summary>
    public void BeginTermination(InstanceRecord instance, DateTimeOffset now, string reasonCode, string reason)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (instance.State is "shutting-down" or "terminated")
        {
            return;
        }
        var stopped = instance.State is "stopping" or "stopped";
        instance.State = "shutting-down";
        instance.StateSince = now;
        instance.StateReason = reasonCode;
        instance.StateTransitionReason = TransitionReason(reasonCode, now);
        if (!stopped)
        {
            var id = instance.InstanceId;
            RuntimeCalls.Enqueue((runtime, token) => runtime.StopAsync(id, reason, token));
        }
    }

    /// <summary>
    /// An instance's script ended (the machine shut itself down): with InstanceInitiatedShutdownBehavior=terminate the
    /// instance goes shutting-down → terminated, otherwise (EC2's default, stop) stopping → stopped. Takes the lock.
    /// </summary>
    public void InstanceExited(string instanceId, int exitCode)
    {
        lock (Gate)
        {
            var now = Options.Time.GetUtcNow();
            Advance(now);
            if (!Instances.TryGetValue(instanceId, out var instance) || instance.State is not ("pending" or "running"))
            {
                return;
            }
            const string Code = "Client.InstanceInitiatedShutdown";
            var reason = $"{Code}: Instance initiated shutdown (exit code {exitCode})";
            if (instance.ShutdownBehavior == "terminate")
            {
                BeginTermination(instance, now, Code, reason);
                return;
            }
            instance.State = "stopping";
            instance.StateSince = now;
            instance.StateReason = Code;
            instance.StateTransitionReason = TransitionReason(Code, now);
            // What the script left behind (containers) goes with the machine.
            RuntimeCalls.Enqueue((runtime, token) => runtime.StopAsync(instanceId, reason, token));
        }
    }

    /// <summary>EC2's wording: a spot reclaim (<c>Server.*</c>) is the service's doing, anything else the user's; times to the second, in GMT.</summary>
    private static string TransitionReason(string reasonCode, DateTimeOffset now) =>
        $"{(reasonCode.StartsWith("Server.", StringComparison.Ordinal) ? "Service" : "User")} initiated ({now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} GMT)";

    private WorkloadStart InstanceStart(InstanceRecord instance) =>
        new(WorkloadStart.InstanceKind, instance.InstanceId, instance.InstanceType, instance.UserData, null,
            new Dictionary<string, string>(instance.Tags), WorkloadEnvironment(instance.InstanceId))
        {
            Exited = exitCode => InstanceExited(instance.InstanceId, exitCode),
        };

    /// <summary>
    /// What a process standing in for <paramref name="instanceId"/> (or a container on it) is given: its own IMDS
    /// (what the AWS SDKs and Grid's worker read instead of 169.254.169.254), the emulator as the AWS endpoint and its
    /// key pair as the instance role's credentials.
    /// </summary>
    public Dictionary<string, string> WorkloadEnvironment(string instanceId) => new()
    {
        ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = $"{ImdsBase}{instanceId}",
        ["GRID_IMDS_ENDPOINT"] = $"{ImdsBase}{instanceId}",
        ["AWS_ENDPOINT_URL"] = Endpoint.TrimEnd('/'),
        ["AWS_ACCESS_KEY_ID"] = Options.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = Options.SecretAccessKey,
        ["AWS_REGION"] = Options.Region,
        ["AWS_DEFAULT_REGION"] = Options.Region,
    };

    /// <summary>The emulator's base URL + "imds/": set once the server listens.</summary>
    public string ImdsBase { get; set; } = "http://127.0.0.1/imds/";

    /// <summary>The emulator's base URL, <c>http://127.0.0.1:PORT/</c>: set once the server listens.</summary>
    public string Endpoint { get; set; } = "http://127.0.0.1/";
}

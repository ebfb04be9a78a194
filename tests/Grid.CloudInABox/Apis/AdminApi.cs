using System.Globalization;
using System.Text.Json.Nodes;
using Grid.CloudInABox.State;
using Grid.CloudInABox.Wire;
using Microsoft.AspNetCore.Http;

namespace Grid.CloudInABox.Apis;

/// <summary>
/// The test knobs, under <c>/_grid/</c> (no AWS path starts so):
/// <list type="bullet">
/// <item><c>GET /_grid/health</c>: 200 once serving.</item>
/// <item><c>GET /_grid/faults</c>, <c>POST /_grid/faults</c> with <c>{"throttle":{"EC2":0.3},"noCapacity":["c7g.large"],"seed":7}</c>:
/// replaces the faults in force (absent members are cleared).</item>
/// <item><c>POST /_grid/reclaim?instance=i-...&amp;notice=2</c>: gives the spot instance an interruption notice (IMDS
/// <c>spot/instance-action</c>) and terminates it <c>notice</c> seconds later (AWS gives 120).</item>
/// <item><c>GET /_grid/state</c>: counts and ids of everything held, for tests and debugging.</item>
/// </list>
/// </summary>
public sealed class AdminApi(CloudState state, Func<FaultSettings> getFaults, Action<FaultSettings> setFaults)
{
    public (int Status, JsonNode Body) Handle(string method, string path, IQueryCollection query, JsonNode? body)
    {
        switch (method, path)
        {
            case ("GET", "/_grid/health"):
                return (200, new JsonObject { ["ok"] = true });
            case ("GET", "/_grid/faults"):
                return (200, FaultsJson(getFaults()));
            case ("POST", "/_grid/faults"):
                var faults = new FaultSettings
                {
                    ThrottleShare = (body?["throttle"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>()),
                    NoCapacity = (body?["noCapacity"] as JsonArray ?? []).Select(n => n!.GetValue<string>()).ToHashSet(),
                    Seed = body?["seed"]?.GetValue<int>() ?? 1,
                };
                setFaults(faults);
                return (200, FaultsJson(faults));
            case ("POST", "/_grid/reclaim"):
                return Reclaim(query);
            case ("GET", "/_grid/state"):
                return (200, StateJson());
            default:
                return (404, new JsonObject { ["error"] = $"no admin endpoint {method} {path}" });
        }
    }

    private (int, JsonNode) Reclaim(IQueryCollection query)
    {
        var id = query["instance"].ToString();
        var notice = double.TryParse(query["notice"], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : 2;
        if (!state.Instances.TryGetValue(id, out var instance))
        {
            return (404, new JsonObject { ["error"] = $"no instance {id}" });
        }
        if (instance.Lifecycle != "spot")
        {
            return (400, new JsonObject { ["error"] = $"{id} is an on-demand instance; only spot instances are reclaimed" });
        }
        if (instance.State is not ("pending" or "running"))
        {
            return (409, new JsonObject { ["error"] = $"{id} is {instance.State}" });
        }
        instance.InterruptionAt ??= state.Options.Time.GetUtcNow().AddSeconds(notice);
        return (200, new JsonObject
        {
            ["instance"] = id,
            ["terminateAt"] = Ec2Xml.Time(instance.InterruptionAt.Value),
        });
    }

    private static JsonObject FaultsJson(FaultSettings faults) => new()
    {
        ["throttle"] = new JsonObject(faults.ThrottleShare.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        ["noCapacity"] = new JsonArray(faults.NoCapacity.Select(t => (JsonNode)t).ToArray()),
        ["seed"] = faults.Seed,
    };

    private JsonObject StateJson() => new()
    {
        ["instances"] = new JsonArray(state.Instances.Values.Select(i => (JsonNode)new JsonObject
        {
            ["id"] = i.InstanceId, ["type"] = i.InstanceType, ["state"] = i.State, ["lifecycle"] = i.Lifecycle,
            ["fleet"] = i.FleetId, ["imds"] = $"{state.ImdsBase}{i.InstanceId}/",
            ["tags"] = new JsonObject(i.Tags.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        }).ToArray()),
        ["fleets"] = new JsonArray(state.Fleets.Values.Select(f => (JsonNode)new JsonObject { ["id"] = f.FleetId, ["state"] = f.State }).ToArray()),
        ["launchTemplates"] = new JsonArray(state.LaunchTemplates.Keys.Select(k => (JsonNode)k).ToArray()),
        ["securityGroups"] = new JsonArray(state.SecurityGroups.Values.Select(g => (JsonNode)$"{g.GroupId} {g.GroupName}").ToArray()),
        ["repositories"] = new JsonArray(state.Repositories.Keys.Select(k => (JsonNode)k).ToArray()),
        ["computeEnvironments"] = new JsonArray(state.ComputeEnvironments.Values.Select(e => (JsonNode)$"{e.Name} {e.State} {e.Status}").ToArray()),
        ["jobQueues"] = new JsonArray(state.JobQueues.Values.Select(q => (JsonNode)$"{q.Name} {q.State} {q.Status}").ToArray()),
        ["jobs"] = new JsonArray(state.Jobs.Values.Select(j => (JsonNode)$"{j.JobId} {j.Status}").ToArray()),
    };
}

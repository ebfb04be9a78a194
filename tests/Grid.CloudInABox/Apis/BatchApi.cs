using System.Text.Json.Nodes;
using Grid.CloudInABox.State;
using Grid.CloudInABox.Wire;

namespace Grid.CloudInABox.Apis;

/// <summary>
/// AWS Batch's REST-JSON API (2016-08-10): POST /v1/&lt;operation&gt;. Environments and queues go CREATING → VALID
/// and DELETING → gone; an environment or queue must be DISABLED before it can be deleted, and an environment
/// that a queue still uses cannot be, as in Batch. This file holds environments and queues; jobs are in BatchApi.Jobs.cs.
/// </summary>
public sealed partial class BatchApi(CloudState state)
{
    private DateTimeOffset Now => state.Options.Time.GetUtcNow();

    public JsonObject Handle(string operation, JsonObject request) => operation switch
    {
        "createcomputeenvironment" => CreateComputeEnvironment(request),
        "describecomputeenvironments" => DescribeComputeEnvironments(request),
        "updatecomputeenvironment" => UpdateComputeEnvironment(request),
        "deletecomputeenvironment" => DeleteComputeEnvironment(request),
        "createjobqueue" => CreateJobQueue(request),
        "describejobqueues" => DescribeJobQueues(request),
        "updatejobqueue" => UpdateJobQueue(request),
        "deletejobqueue" => DeleteJobQueue(request),
        "registerjobdefinition" => RegisterJobDefinition(request),
        "deregisterjobdefinition" => DeregisterJobDefinition(request),
        "describejobdefinitions" => DescribeJobDefinitions(request),
        "submitjob" => SubmitJob(request),
        "describejobs" => DescribeJobs(request),
        "listjobs" => ListJobs(request),
        "terminatejob" => TerminateJob(request),
        _ => throw new ApiException("ClientException", $"Unknown operation /v1/{operation}"),
    };

    private JsonObject CreateComputeEnvironment(JsonObject request)
    {
        var name = Text(request, "computeEnvironmentName");
        CheckName(name, "computeEnvironmentName");
        var type = Text(request, "type");
        if (type is not ("MANAGED" or "UNMANAGED"))
        {
            throw new ApiException("ClientException", $"Invalid compute environment type {type}");
        }
        var resources = request["computeResources"]?.AsObject() ?? (type == "MANAGED"
            ? throw new ApiException("ClientException", "computeResources is required for a MANAGED compute environment") : new JsonObject());
        if (type == "MANAGED")
        {
            var resourceType = resources["type"]?.GetValue<string>();
            if (resourceType is not ("EC2" or "SPOT" or "FARGATE" or "FARGATE_SPOT"))
            {
                throw new ApiException("ClientException", $"Invalid compute resource type {resourceType}");
            }
            if (resources["maxvCpus"] is null || (resources["subnets"] as JsonArray ?? []).Count == 0)
            {
                throw new ApiException("ClientException", "computeResources needs maxvCpus and at least one subnet");
            }
            foreach (var subnet in (resources["subnets"] as JsonArray)!.Select(s => s!.GetValue<string>()))
            {
                if (state.Subnets.All(s => s.SubnetId != subnet))
                {
                    throw new ApiException("ClientException", $"Subnet {subnet} does not exist");
                }
            }
        }
        if (state.ComputeEnvironments.ContainsKey(name))
        {
            throw new ApiException("ClientException", "Object already exists");
        }
        var environment = new ComputeEnvironmentRecord
        {
            Name = name, Arn = state.Arn("batch", "compute-environment/" + name), Type = type, StatusSince = Now,
            State = request["state"]?.GetValue<string>() ?? "ENABLED", ComputeResources = (JsonObject)resources.DeepClone(),
            ServiceRole = request["serviceRole"]?.GetValue<string>() ?? state.Arn("iam", "role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch").Replace($":{state.Options.Region}:", "::", StringComparison.Ordinal),
            Tags = Map(request["tags"]),
        };
        state.ComputeEnvironments[name] = environment;
        return new JsonObject { ["computeEnvironmentName"] = name, ["computeEnvironmentArn"] = environment.Arn };
    }

    private JsonObject DescribeComputeEnvironments(JsonObject request)
    {
        var wanted = Strings(request["computeEnvironments"]);
        var environments = state.ComputeEnvironments.Values.Where(e => wanted.Count == 0 || wanted.Contains(e.Name) || wanted.Contains(e.Arn));
        return new JsonObject
        {
            ["computeEnvironments"] = new JsonArray(environments.Select(e => (JsonNode)new JsonObject
            {
                ["computeEnvironmentName"] = e.Name, ["computeEnvironmentArn"] = e.Arn,
                ["ecsClusterArn"] = state.Arn("ecs", $"cluster/{e.Name}_Batch_{e.Uuid[..8]}"),
                ["tags"] = Json(e.Tags), ["type"] = e.Type, ["state"] = e.State, ["status"] = e.Status,
                ["statusReason"] = e.StatusReason ?? (e.Status == "VALID" ? "ComputeEnvironment Healthy" : null),
                ["computeResources"] = e.ComputeResources.DeepClone(), ["serviceRole"] = e.ServiceRole,
                ["containerOrchestrationType"] = "ECS", ["uuid"] = e.Uuid,
            }).ToArray()),
        };
    }

    private JsonObject UpdateComputeEnvironment(JsonObject request)
    {
        var environment = FindEnvironment(Text(request, "computeEnvironment"));
        if (request["state"]?.GetValue<string>() is { } newState)
        {
            environment.State = CheckState(newState);
        }
        if (request["computeResources"] is JsonObject update)
        {
            foreach (var (key, value) in update)
            {
                environment.ComputeResources[key] = value?.DeepClone();
            }
        }
        environment.Status = "UPDATING";
        environment.StatusSince = Now;
        return new JsonObject { ["computeEnvironmentName"] = environment.Name, ["computeEnvironmentArn"] = environment.Arn };
    }

    private JsonObject DeleteComputeEnvironment(JsonObject request)
    {
        var environment = FindEnvironment(Text(request, "computeEnvironment"));
        if (environment.State != "DISABLED")
        {
            throw new ApiException("ClientException", "Cannot delete, compute environment must be DISABLED first");
        }
        if (state.JobQueues.Values.Any(q => q.ComputeEnvironmentOrder.Any(o => o.ComputeEnvironmentArn == environment.Arn)))
        {
            throw new ApiException("ClientException", "Cannot delete, found existing JobQueue relationship");
        }
        // Whatever still runs there goes with the environment's instances.
        foreach (var job in state.Jobs.Values.SelectMany(j => j.Children.Prepend(j)).Where(j => j.ComputeEnvironment == environment.Name && !j.IsDone))
        {
            state.EndJob(job, "FAILED", "Compute environment deleted", Now);
        }
        environment.Status = "DELETING";
        environment.StatusSince = Now;
        return [];
    }

    private JsonObject CreateJobQueue(JsonObject request)
    {
        var name = Text(request, "jobQueueName");
        CheckName(name, "jobQueueName");
        if (state.JobQueues.ContainsKey(name))
        {
            throw new ApiException("ClientException", "Object already exists");
        }
        var queue = new JobQueueRecord
        {
            Name = name, Arn = state.Arn("batch", "job-queue/" + name), StatusSince = Now,
            State = CheckState(request["state"]?.GetValue<string>() ?? "ENABLED"),
            Priority = request["priority"]?.GetValue<int>() ?? throw new ApiException("ClientException", "priority is required"),
            ComputeEnvironmentOrder = Order(request), Tags = Map(request["tags"]),
        };
        state.JobQueues[name] = queue;
        return new JsonObject { ["jobQueueName"] = name, ["jobQueueArn"] = queue.Arn };
    }

    private JsonObject DescribeJobQueues(JsonObject request)
    {
        var wanted = Strings(request["jobQueues"]);
        var queues = state.JobQueues.Values.Where(q => wanted.Count == 0 || wanted.Contains(q.Name) || wanted.Contains(q.Arn));
        return new JsonObject
        {
            ["jobQueues"] = new JsonArray(queues.Select(q => (JsonNode)new JsonObject
            {
                ["jobQueueName"] = q.Name, ["jobQueueArn"] = q.Arn, ["state"] = q.State, ["status"] = q.Status,
                ["statusReason"] = q.StatusReason ?? (q.Status == "VALID" ? "JobQueue Healthy" : null), ["priority"] = q.Priority,
                ["computeEnvironmentOrder"] = new JsonArray(q.ComputeEnvironmentOrder.Select(o =>
                    (JsonNode)new JsonObject { ["order"] = o.Order, ["computeEnvironment"] = o.ComputeEnvironmentArn }).ToArray()),
                ["tags"] = Json(q.Tags),
            }).ToArray()),
        };
    }

    private JsonObject UpdateJobQueue(JsonObject request)
    {
        var queue = FindQueue(Text(request, "jobQueue"));
        if (request["state"]?.GetValue<string>() is { } newState)
        {
            queue.State = CheckState(newState);
        }
        if (request["priority"] is { } priority)
        {
            queue.Priority = priority.GetValue<int>();
        }
        if (request["computeEnvironmentOrder"] is not null)
        {
            queue.ComputeEnvironmentOrder = Order(request);
        }
        queue.Status = "UPDATING";
        queue.StatusSince = Now;
        return new JsonObject { ["jobQueueName"] = queue.Name, ["jobQueueArn"] = queue.Arn };
    }

    private JsonObject DeleteJobQueue(JsonObject request)
    {
        var queue = FindQueue(Text(request, "jobQueue"));
        if (queue.State != "DISABLED")
        {
            throw new ApiException("ClientException", "Cannot delete, job queue must be DISABLED first");
        }
        // Deleting a queue ends its jobs, as in Batch.
        foreach (var job in state.Jobs.Values.Where(j => j.JobQueueArn == queue.Arn && !j.IsDone))
        {
            state.EndJob(job, "FAILED", "Job queue deleted", Now);
        }
        queue.Status = "DELETING";
        queue.StatusSince = Now;
        return [];
    }

    private List<(int Order, string ComputeEnvironmentArn)> Order(JsonObject request)
    {
        var order = (request["computeEnvironmentOrder"] as JsonArray ?? []).Select(o => (
            o!["order"]?.GetValue<int>() ?? throw new ApiException("ClientException", "order is required"),
            FindEnvironment(o["computeEnvironment"]?.GetValue<string>() ?? "").Arn)).ToList();
        return order.Count > 0 ? order : throw new ApiException("ClientException", "computeEnvironmentOrder needs at least one compute environment");
    }

    private ComputeEnvironmentRecord FindEnvironment(string nameOrArn) =>
        state.ComputeEnvironments.Values.FirstOrDefault(e => (e.Name == nameOrArn || e.Arn == nameOrArn) && e.Status != "DELETING")
            ?? throw new ApiException("ClientException", $"Compute environment {nameOrArn} does not exist");

    private JobQueueRecord FindQueue(string nameOrArn) =>
        state.JobQueues.Values.FirstOrDefault(q => (q.Name == nameOrArn || q.Arn == nameOrArn) && q.Status != "DELETING")
            ?? throw new ApiException("ClientException", $"Job queue {nameOrArn} does not exist");

    private static string CheckState(string value) =>
        value is "ENABLED" or "DISABLED" ? value : throw new ApiException("ClientException", $"Invalid state {value}");

    private static void CheckName(string name, string field)
    {
        if (name.Length is < 1 or > 128 || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z0-9_-]+$"))
        {
            throw new ApiException("ClientException", $"{field} '{name}' must be up to 128 letters, numbers, hyphens and underscores");
        }
    }

    private static string Text(JsonObject request, string name) =>
        request[name]?.GetValue<string>() ?? throw new ApiException("ClientException", $"{name} is required");

    private static List<string> Strings(JsonNode? node) => (node as JsonArray ?? []).Select(n => n!.GetValue<string>()).ToList();

    private static Dictionary<string, string> Map(JsonNode? node) =>
        (node as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "");

    private static JsonObject Json(Dictionary<string, string> map) => new(map.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
}

using System.Text.Json.Nodes;
using Grid.CloudInABox.State;
using Grid.CloudInABox.Wire;

namespace Grid.CloudInABox.Apis;

/// <summary>Job definitions and jobs. Array jobs have children <c>jobId:0</c> ... <c>jobId:N-1</c>.</summary>
public sealed partial class BatchApi
{
    private JsonObject RegisterJobDefinition(JsonObject request)
    {
        var name = Text(request, "jobDefinitionName");
        CheckName(name, "jobDefinitionName");
        var type = Text(request, "type");
        if (type != "container")
        {
            throw new ApiException("ClientException", $"The emulator supports container job definitions only, not '{type}'");
        }
        var container = request["containerProperties"] as JsonObject ?? throw new ApiException("ClientException", "containerProperties is required");
        if (container["image"] is null)
        {
            throw new ApiException("ClientException", "containerProperties.image is required");
        }
        var revision = state.JobDefinitions.Where(d => d.Name == name).Select(d => d.Revision).DefaultIfEmpty(0).Max() + 1;
        var definition = new JobDefinitionRecord
        {
            Name = name, Revision = revision, Arn = state.Arn("batch", $"job-definition/{name}:{revision}"), Type = type,
            ContainerProperties = (JsonObject)container.DeepClone(), Timeout = request["timeout"]?.DeepClone() as JsonObject,
            RetryStrategy = request["retryStrategy"]?.DeepClone() as JsonObject, Tags = Map(request["tags"]),
        };
        state.JobDefinitions.Add(definition);
        return new JsonObject { ["jobDefinitionName"] = name, ["jobDefinitionArn"] = definition.Arn, ["revision"] = revision };
    }

    private JsonObject DeregisterJobDefinition(JsonObject request)
    {
        var definition = FindDefinition(Text(request, "jobDefinition"), activeOnly: false);
        definition.Status = "INACTIVE";
        return [];
    }

    private JsonObject DescribeJobDefinitions(JsonObject request)
    {
        var wanted = Strings(request["jobDefinitions"]);
        var name = request["jobDefinitionName"]?.GetValue<string>();
        var status = request["status"]?.GetValue<string>();
        var definitions = state.JobDefinitions.Where(d =>
            (wanted.Count == 0 || wanted.Contains(d.Arn) || wanted.Contains($"{d.Name}:{d.Revision}")) &&
            (name is null || d.Name == name) && (status is null || d.Status == status));
        return new JsonObject
        {
            ["jobDefinitions"] = new JsonArray(definitions.Select(d => (JsonNode)new JsonObject
            {
                ["jobDefinitionName"] = d.Name, ["jobDefinitionArn"] = d.Arn, ["revision"] = d.Revision, ["status"] = d.Status,
                ["type"] = d.Type, ["containerProperties"] = d.ContainerProperties?.DeepClone(), ["timeout"] = d.Timeout?.DeepClone(),
                ["retryStrategy"] = d.RetryStrategy?.DeepClone(), ["tags"] = Json(d.Tags), ["platformCapabilities"] = new JsonArray("EC2"),
                ["containerOrchestrationType"] = "ECS",
            }).ToArray()),
        };
    }

    private JsonObject SubmitJob(JsonObject request)
    {
        var jobName = Text(request, "jobName");
        CheckName(jobName, "jobName");
        var queue = FindQueue(Text(request, "jobQueue"));
        if (queue.State != "ENABLED")
        {
            throw new ApiException("ClientException", $"Job queue {queue.Name} is not ENABLED");
        }
        var definition = FindDefinition(Text(request, "jobDefinition"), activeOnly: true);
        var size = request["arrayProperties"]?["size"]?.GetValue<int>();
        if (size is < 2 or > 10_000)
        {
            throw new ApiException("ClientException", "Array job size must be between 2 and 10,000");
        }
        var environment = (request["containerOverrides"]?["environment"] as JsonArray ?? [])
            .Select(e => KeyValuePair.Create(e!["name"]!.GetValue<string>(), e["value"]?.GetValue<string>() ?? "")).ToList();
        var command = request["containerOverrides"]?["command"] is JsonArray overridden ? Strings(overridden) : null;
        var tags = Map(request["tags"]);
        var jobId = Guid.NewGuid().ToString("D");
        var job = NewJob(jobId, jobName, queue, definition, size, null, null, environment, command, tags);
        for (var i = 0; i < (size ?? 0); i++)
        {
            var childEnvironment = environment.Append(KeyValuePair.Create("AWS_BATCH_JOB_ARRAY_INDEX", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
            job.Children.Add(NewJob($"{jobId}:{i}", jobName, queue, definition, null, i, jobId, childEnvironment, command, tags));
        }
        state.Jobs[jobId] = job;
        return new JsonObject { ["jobArn"] = job.JobArn, ["jobName"] = jobName, ["jobId"] = jobId };
    }

    private JobRecord NewJob(
        string id, string name, JobQueueRecord queue, JobDefinitionRecord definition, int? size, int? index, string? parent,
        List<KeyValuePair<string, string>> environment, List<string>? command, Dictionary<string, string> tags)
    {
        var allEnvironment = environment.Prepend(KeyValuePair.Create("AWS_BATCH_JOB_ID", id)).ToList();
        return new JobRecord
        {
            JobId = id, JobName = name, JobArn = state.Arn("batch", "job/" + id), JobQueueArn = queue.Arn,
            JobDefinitionArn = definition.Arn, CreatedAt = Now, StatusSince = Now, ArraySize = size, ArrayIndex = index,
            ParentId = parent, Environment = allEnvironment, Command = command, Tags = tags,
        };
    }

    private JsonObject DescribeJobs(JsonObject request)
    {
        var ids = Strings(request["jobs"]);
        if (ids.Count > 100)
        {
            throw new ApiException("ClientException", "DescribeJobs takes at most 100 job ids");
        }
        var jobs = ids.Select(FindJob).Where(j => j is not null).Select(j => (JsonNode)JobJson(j!, detail: true)).ToArray();
        return new JsonObject { ["jobs"] = new JsonArray(jobs) };
    }

    private JsonObject ListJobs(JsonObject request)
    {
        var status = request["jobStatus"]?.GetValue<string>();
        IEnumerable<JobRecord> jobs;
        if (request["arrayJobId"]?.GetValue<string>() is { } arrayJobId)
        {
            jobs = state.Jobs.TryGetValue(arrayJobId, out var parent) ? parent.Children : [];
        }
        else
        {
            var queue = FindQueue(Text(request, "jobQueue"));
            jobs = state.Jobs.Values.Where(j => j.JobQueueArn == queue.Arn);
        }
        // Batch lists only RUNNING jobs when no status is given.
        jobs = jobs.Where(j => j.Status == (status ?? "RUNNING"));
        return new JsonObject { ["jobSummaryList"] = new JsonArray(jobs.Select(j => (JsonNode)JobJson(j, detail: false)).ToArray()) };
    }

    private JsonObject TerminateJob(JsonObject request)
    {
        var job = FindJob(Text(request, "jobId")) ?? throw new ApiException("ClientException", $"Job {request["jobId"]} does not exist");
        state.EndJob(job, "FAILED", request["reason"]?.GetValue<string>() ?? "Terminated by user", Now);
        return [];
    }

    private JobRecord? FindJob(string id)
    {
        var colon = id.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return state.Jobs.GetValueOrDefault(id);
        }
        return state.Jobs.TryGetValue(id[..colon], out var parent) ? parent.Children.FirstOrDefault(c => c.JobId == id) : null;
    }

    private JobDefinitionRecord FindDefinition(string reference, bool activeOnly)
    {
        var found = state.JobDefinitions.Where(d => d.Arn == reference || $"{d.Name}:{d.Revision}" == reference).ToList();
        if (found.Count == 0)
        {
            // A bare name means its latest ACTIVE revision.
            found = state.JobDefinitions.Where(d => d.Name == reference && d.Status == "ACTIVE").OrderByDescending(d => d.Revision).Take(1).ToList();
        }
        var definition = found.FirstOrDefault();
        if (definition is null || (activeOnly && definition.Status != "ACTIVE"))
        {
            throw new ApiException("ClientException", $"Job definition {reference} does not exist or is not ACTIVE");
        }
        return definition;
    }

    private JsonObject JobJson(JobRecord job, bool detail)
    {
        var json = new JsonObject
        {
            ["jobArn"] = job.JobArn, ["jobId"] = job.JobId, ["jobName"] = job.JobName, ["status"] = job.Status,
            ["statusReason"] = job.StatusReason, ["createdAt"] = job.CreatedAt.ToUnixTimeMilliseconds(),
            ["startedAt"] = job.StartedAt?.ToUnixTimeMilliseconds(), ["stoppedAt"] = job.StoppedAt?.ToUnixTimeMilliseconds(),
            ["jobDefinition"] = job.JobDefinitionArn,
        };
        if (job.ArraySize is { } size)
        {
            var summary = new JsonObject();
            foreach (var group in job.Children.GroupBy(c => c.Status))
            {
                summary[group.Key] = group.Count();
            }
            json["arrayProperties"] = detail ? new JsonObject { ["statusSummary"] = summary, ["size"] = size } : new JsonObject { ["size"] = size };
        }
        else if (job.ArrayIndex is { } index)
        {
            json["arrayProperties"] = new JsonObject { ["index"] = index };
        }
        if (detail)
        {
            json["jobQueue"] = job.JobQueueArn;
            json["dependsOn"] = new JsonArray();
            json["tags"] = Json(job.Tags);
            json["propagateTags"] = true;
            json["platformCapabilities"] = new JsonArray("EC2");
            var definition = state.JobDefinitions.First(d => d.Arn == job.JobDefinitionArn);
            var container = (JsonObject?)definition.ContainerProperties?.DeepClone() ?? [];
            container["environment"] = new JsonArray(job.Environment.Select(kv => (JsonNode)new JsonObject { ["name"] = kv.Key, ["value"] = kv.Value }).ToArray());
            if (job.Command is { } command)
            {
                container["command"] = new JsonArray(command.Select(c => (JsonNode)c).ToArray());
            }
            if (job.ExitCode is { } exitCode)
            {
                container["exitCode"] = exitCode;
            }
            if (job.HostInstanceId is { } host)
            {
                container["containerInstanceArn"] = state.Arn("ecs", $"container-instance/{job.ComputeEnvironment}/{host}");
            }
            json["container"] = container;
        }
        return json;
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grid.CloudInABox.State;
using Grid.CloudInABox.Wire;

namespace Grid.CloudInABox.Apis;

/// <summary>
/// ECR's JSON 1.1 API (2015-09-21). Repository URIs name the loopback registry that stands in for the
/// account's ECR registry, so an image pushed to <c>repositoryUri</c> lands where the workers pull from.
/// </summary>
public sealed partial class EcrApi(CloudState state)
{
    public const string TargetPrefix = "AmazonEC2ContainerRegistry_V20150921.";

    [GeneratedRegex("^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")]
    private static partial Regex RepositoryName();

    private string RegistryHost => new Uri(state.Options.RegistryEndpoint).Authority;

    public JsonObject Handle(string operation, JsonObject request) => operation switch
    {
        "CreateRepository" => CreateRepository(request),
        "DescribeRepositories" => DescribeRepositories(request),
        "PutLifecyclePolicy" => PutLifecyclePolicy(request),
        "GetAuthorizationToken" => GetAuthorizationToken(),
        "DeleteRepository" => DeleteRepository(request),
        _ => throw new ApiException("UnknownOperationException", $"Unknown operation {operation}"),
    };

    private JsonObject CreateRepository(JsonObject request)
    {
        var name = Text(request, "repositoryName");
        if (name.Length is < 2 or > 256 || !RepositoryName().IsMatch(name))
        {
            throw new ApiException("InvalidParameterException",
                $"Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''");
        }
        if (state.Repositories.ContainsKey(name))
        {
            throw new ApiException("RepositoryAlreadyExistsException",
                $"The repository with name '{name}' already exists in the registry with id '{state.Options.AccountId}'");
        }
        var repository = new RepositoryRecord
        {
            Name = name,
            Arn = state.Arn("ecr", "repository/" + name),
            Uri = $"{RegistryHost}/{name}",
            CreatedAt = state.Options.Time.GetUtcNow(),
            ScanOnPush = request["imageScanningConfiguration"]?["scanOnPush"]?.GetValue<bool>() ?? false,
            ImageTagMutability = request["imageTagMutability"]?.GetValue<string>() ?? "MUTABLE",
            Tags = (request["tags"] as JsonArray ?? []).Select(t => new KeyValuePair<string, string>(
                t!["Key"]!.GetValue<string>(), t["Value"]?.GetValue<string>() ?? "")).ToList(),
        };
        state.Repositories[name] = repository;
        return new JsonObject { ["repository"] = RepositoryJson(repository) };
    }

    private JsonObject DescribeRepositories(JsonObject request)
    {
        var names = (request["repositoryNames"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToList();
        foreach (var name in names ?? [])
        {
            Find(name);
        }
        var repositories = state.Repositories.Values.Where(r => names is null || names.Contains(r.Name));
        return new JsonObject { ["repositories"] = new JsonArray(repositories.Select(r => (JsonNode)RepositoryJson(r)).ToArray()) };
    }

    private JsonObject PutLifecyclePolicy(JsonObject request)
    {
        var repository = Find(Text(request, "repositoryName"));
        var text = Text(request, "lifecyclePolicyText");
        try
        {
            var rules = JsonNode.Parse(text)?["rules"] as JsonArray;
            if (rules is null || rules.Count == 0)
            {
                throw new ApiException("InvalidParameterException", "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy must have at least one rule'");
            }
        }
        catch (JsonException e)
        {
            throw new ApiException("InvalidParameterException", $"Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: {e.Message}'");
        }
        repository.LifecyclePolicy = text;
        return new JsonObject
        {
            ["registryId"] = state.Options.AccountId, ["repositoryName"] = repository.Name, ["lifecyclePolicyText"] = text,
        };
    }

    private JsonObject GetAuthorizationToken()
    {
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{state.Options.RegistryUser}:{state.Options.RegistryPassword}"));
        return new JsonObject
        {
            ["authorizationData"] = new JsonArray(new JsonObject
            {
                ["authorizationToken"] = token,
                ["expiresAt"] = Epoch(state.Options.Time.GetUtcNow().AddHours(12)),
                ["proxyEndpoint"] = state.Options.RegistryEndpoint,
            }),
        };
    }

    private JsonObject DeleteRepository(JsonObject request)
    {
        // Images live in the registry, not here: a repository is deleted whether or not "force" is given.
        var repository = Find(Text(request, "repositoryName"));
        state.Repositories.Remove(repository.Name);
        return new JsonObject { ["repository"] = RepositoryJson(repository) };
    }

    private JsonObject RepositoryJson(RepositoryRecord r) => new()
    {
        ["repositoryArn"] = r.Arn,
        ["registryId"] = state.Options.AccountId,
        ["repositoryName"] = r.Name,
        ["repositoryUri"] = r.Uri,
        ["createdAt"] = Epoch(r.CreatedAt),
        ["imageTagMutability"] = r.ImageTagMutability,
        ["imageScanningConfiguration"] = new JsonObject { ["scanOnPush"] = r.ScanOnPush },
        ["encryptionConfiguration"] = new JsonObject { ["encryptionType"] = "AES256" },
    };

    private RepositoryRecord Find(string name) =>
        state.Repositories.TryGetValue(name, out var repository)
            ? repository
            : throw new ApiException("RepositoryNotFoundException",
                $"The repository with name '{name}' does not exist in the registry with id '{state.Options.AccountId}'");

    private static double Epoch(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private static string Text(JsonObject request, string name) =>
        request[name]?.GetValue<string>() ?? throw new ApiException("InvalidParameterException", $"Missing required parameter {name}");
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Grid;

// A Grid job. The handler below runs once per task: each line of tasks.jsonl is one task's input (any JSON
// object), and what the handler returns is that task's result.
//
//   dotnet run -- --input '{"a":1}'   run one task here and print its result
//   dotnet grid run                   run every task in tasks.jsonl over worker processes
return GridWorker.Run(args, (JsonObject input, TaskContext context) =>
{
    context.Log.Info($"{input.Count} fields");

    // Keys are sorted first, so the same object always gets the same hash whatever order its keys came in.
    var canonical = Canonical(input)!.ToJsonString();
    var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));

    return new Summary(context.TaskId, input.Count, sha256);
}, new GridWorkerOptions { SerializerOptions = JobJson.Default.Options });

static JsonNode? Canonical(JsonNode? node) => node switch
{
    JsonObject obj => new JsonObject(obj
        .OrderBy(property => property.Key, StringComparer.Ordinal)
        .Select(property => KeyValuePair.Create(property.Key, Canonical(property.Value)))),
    JsonArray array => new JsonArray([.. array.Select(Canonical)]),
    _ => node?.DeepClone(),
};

// Written as JSON with camelCase names: {"taskId": ..., "fields": ..., "sha256": ...}
sealed record Summary(string TaskId, int Fields, string Sha256);

// How inputs are read and results written, generated at build time: every worker starts without building it by
// reflection. The handler's input and result types are listed here; a worker whose types are missing stops at its
// start and names the attribute to add.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(Summary))]
partial class JobJson : JsonSerializerContext;

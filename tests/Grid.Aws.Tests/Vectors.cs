using System.Text.Json;
using System.Text.Json.Nodes;

namespace Grid.Aws.Tests;

/// <summary>botocore's serializations and signatures, pinned in Vectors/botocore-requests.json (see make-vectors.py).</summary>
public static class Vectors
{
    private static readonly Lazy<JsonNode> Root = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "botocore-requests.json")))!);

    public static Dictionary<string, string> Query(string operation) =>
        Root.Value["query"]![operation]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());

    public static JsonNode Json(string operation) => Root.Value["json"]![operation]!;

    public static string Signature(string service) => Root.Value["signatures"]![service]!.GetValue<string>();

    /// <summary>Structural JSON equality, ignoring member order.</summary>
    public static bool SameJson(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    public static JsonNode ParseBody(string body) => JsonNode.Parse(body, documentOptions: new JsonDocumentOptions())!;
}

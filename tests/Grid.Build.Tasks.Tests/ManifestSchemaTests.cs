using System.Text.Json.Nodes;

namespace Grid.Build.Tasks.Tests;

/// <summary>
/// The manifest the task writes against docs/grid-manifest.schema.json: every property it writes is declared there
/// with a matching type, and every property the schema requires is written. (The end-to-end tests also validate a
/// published grid.json with an independent JSON Schema validator.)
/// </summary>
public sealed class ManifestSchemaTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly JsonObject Schema = JsonNode.Parse(File.ReadAllText(Repository.File("docs", "grid-manifest.schema.json")))!.AsObject();

    [Theory]
    [InlineData(null)]
    [InlineData("127.0.0.1:5000")]
    public void TheWrittenManifestMatchesTheSchema(string? registry)
    {
        var engine = new FakeBuildEngine();
        var record = SampleImage.Record(_temp.Path, engine, registry);
        Assert.True(record.Execute());
        var task = new WriteGridManifest
        {
            BuildEngine = engine,
            JobName = "TileStats",
            AssemblyFileName = "TileStats.dll",
            Repository = "tilestats",
            BaseImage = SampleImage.BaseImage,
            Registry = registry ?? "",
            MaxSpotPrice = "0.05",
            TaskTimeout = "60",
            Region = "us-east-1",
            InstanceTypes = "c7i.large",
            ImageRecordFile = record.RecordFile,
            ManifestFile = _temp["grid/grid.json"],
        };
        Assert.True(task.Execute(), string.Join("\n", engine.ErrorLines));

        Check(JsonNode.Parse(File.ReadAllText(task.ManifestFile)), Schema, "$");
    }

    [Fact]
    public void TheSchemaIsDraft202012AndVersionOne()
    {
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)Schema["$schema"]);
        Assert.Equal(WriteGridManifest.SchemaVersion, (int)Schema["properties"]!["schemaVersion"]!["const"]!);
    }

    private static void Check(JsonNode? value, JsonObject schema, string path)
    {
        if (schema["$ref"] is JsonValue reference)
        {
            string name = ((string)reference!).Split('/')[^1];
            schema = Schema["$defs"]![name]!.AsObject();
        }

        if (schema["const"] is { } constant)
        {
            Assert.True(JsonNode.DeepEquals(constant, value), $"{path} is {value?.ToJsonString()}, the schema's const is {constant.ToJsonString()}");
            return;
        }

        if (schema["enum"] is JsonArray choices)
        {
            Assert.True(choices.Any(c => JsonNode.DeepEquals(c, value)), $"{path} is {value?.ToJsonString()}, not one of {choices.ToJsonString()}");
            return;
        }

        var types = schema["type"] switch
        {
            JsonArray array => array.Select(t => (string)t!).ToList(),
            JsonValue single => [(string)single!],
            _ => [],
        };
        string actual = value switch
        {
            null => "null",
            JsonObject => "object",
            JsonArray => "array",
            _ => value.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.String => "string",
                System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
                System.Text.Json.JsonValueKind.Number when value.ToJsonString().Contains('.', StringComparison.Ordinal) => "number",
                System.Text.Json.JsonValueKind.Number => "integer",
                _ => "?",
            },
        };
        Assert.True(types.Contains(actual) || (actual == "integer" && types.Contains("number")), $"{path} is {actual}; the schema allows {string.Join(", ", types)}");

        if (value is JsonObject obj)
        {
            var properties = schema["properties"]!.AsObject();
            foreach (var required in schema["required"]?.AsArray() ?? [])
            {
                Assert.True(obj.ContainsKey((string)required!), $"{path} lacks the required {(string)required!}");
            }

            foreach (var (name, child) in obj)
            {
                Assert.True(properties.ContainsKey(name), $"{path}.{name} is written but the schema does not declare it");
                Check(child, properties[name]!.AsObject(), $"{path}.{name}");
            }
        }
        else if (value is JsonArray array && schema["items"] is JsonObject items)
        {
            for (int i = 0; i < array.Count; i++)
            {
                Check(array[i], items, $"{path}[{i}]");
            }
        }
    }
}

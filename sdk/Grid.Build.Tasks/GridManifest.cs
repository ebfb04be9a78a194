using System.Text.Json;

namespace Grid.Build.Tasks;

/// <summary>
/// grid.json, schema version 1 (docs/manifest.md, docs/grid-manifest.schema.json). Properties are written in one
/// fixed order, absent values as null, so equal content gives equal bytes.
/// </summary>
internal sealed record GridManifest(int SchemaVersion, string SdkVersion, string JobName, string AssemblyFileName, GridImage Image, string? Archive, GridSettings Settings)
{
    public byte[] ToUtf8()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, GridJson.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", SchemaVersion);
            json.WriteString("sdkVersion", SdkVersion);

            json.WriteStartObject("job");
            json.WriteString("name", JobName);
            json.WriteString("assembly", AssemblyFileName);
            json.WriteEndObject();

            json.WriteStartObject("image");
            json.WriteString("repository", Image.Repository);
            json.WriteString("tag", Image.Tag);
            json.WriteString("digest", Image.Digest);
            json.WriteString("reference", Image.Reference);
            json.WriteString("archive", Archive);
            json.WriteString("mediaType", Image.MediaType);
            json.WriteString("os", Image.Os);
            json.WriteString("architecture", Image.Architecture);
            WriteStrings(json, "entrypoint", Image.Entrypoint);
            WriteStrings(json, "cmd", Image.Cmd);
            json.WriteString("workingDirectory", Image.WorkingDirectory);
            json.WriteString("user", Image.User);
            json.WriteString("baseImage", Image.BaseImage);
            WriteStrings(json, "layers", Image.Layers);
            json.WriteEndObject();

            json.WriteStartObject("resources");
            json.WriteNumber("cpu", GridJson.Normalize(Settings.Cpu));
            json.WriteNumber("memoryMiB", Settings.MemoryMiB);
            json.WriteNumber("gpu", Settings.Gpu);
            json.WriteEndObject();

            json.WriteStartObject("workers");
            json.WriteNumber("count", Settings.Workers);
            json.WriteNumber("slotsPerWorker", Settings.SlotsPerWorker);
            json.WriteEndObject();

            json.WriteStartObject("spot");
            json.WriteBoolean("enabled", Settings.Spot);
            WriteNumberOrNull(json, "maxPrice", Settings.MaxSpotPrice);
            json.WriteBoolean("onDemandFallback", Settings.OnDemandFallback);
            WriteStrings(json, "instanceTypes", Settings.InstanceTypes);
            json.WriteEndObject();

            json.WriteString("region", Settings.Region);

            json.WriteStartObject("retries");
            json.WriteNumber("maxAttempts", Settings.MaxAttempts);
            json.WriteEndObject();

            json.WriteStartObject("timeouts");
            WriteNumberOrNull(json, "taskSeconds", Settings.TaskTimeoutSeconds);
            json.WriteEndObject();

            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (string value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, decimal? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, GridJson.Normalize(number));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}

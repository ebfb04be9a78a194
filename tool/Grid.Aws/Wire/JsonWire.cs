using System.Text.Json;
using System.Text.Json.Serialization;
using Grid.Aws.Core;

namespace Grid.Aws.Wire;

/// <summary>
/// The two JSON protocols. JSON 1.1 (ECR) posts to <c>/</c> with <c>X-Amz-Target: Prefix.Operation</c>;
/// REST-JSON (Batch) posts to a path per operation. Both carry members by their model names (camelCase
/// for these services; ECR's Tag is the exception, with <c>Key</c>/<c>Value</c>) and timestamps as epoch seconds.
/// </summary>
public static class JsonWire
{
    public const string Json11ContentType = "application/x-amz-json-1.1";
    public const string RestJsonContentType = "application/json";

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new EpochSecondsConverter() },
    };

    public static async Task<TResponse> Json11Async<TRequest, TResponse>(
        AwsHttpCore core, AwsService service, string targetPrefix, string operation, TRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(core);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, Options);
        var response = await core.SendAsync(
            new AwsRequest(service, operation, "/", Json11ContentType, body, $"{targetPrefix}.{operation}"), cancellationToken);
        return Read<TResponse>(service, operation, response);
    }

    public static async Task<TResponse> RestJsonAsync<TRequest, TResponse>(
        AwsHttpCore core, AwsService service, string path, string operation, TRequest request,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(core);
        var body = JsonSerializer.SerializeToUtf8Bytes(request, Options);
        var response = await core.SendAsync(new AwsRequest(service, operation, path, RestJsonContentType, body), cancellationToken);
        return Read<TResponse>(service, operation, response);
    }

    private static TResponse Read<TResponse>(AwsService service, string operation, AwsResponse response)
    {
        try
        {
            var body = response.Body.Length == 0 ? "{}"u8.ToArray() : response.Body;
            return JsonSerializer.Deserialize<TResponse>(body, Options)
                ?? throw new JsonException("null answer");
        }
        catch (JsonException e)
        {
            throw new AwsException(service.Id, operation, "MalformedResponse", e.Message, response.RequestId, System.Net.HttpStatusCode.OK, e);
        }
    }

    /// <summary>AWS JSON timestamps: seconds since the epoch, possibly fractional; also accepts ISO 8601.</summary>
    private sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Number
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(reader.GetDouble() * 1000))
                : DateTimeOffset.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000.0);
    }
}

/// <summary>An empty JSON request or answer.</summary>
public sealed record Empty;

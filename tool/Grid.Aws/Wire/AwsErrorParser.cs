using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Grid.Aws.Core;

namespace Grid.Aws.Wire;

/// <summary>
/// Reads an error answer in any of the three shapes: EC2's <c>&lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;</c>,
/// the query protocol's <c>&lt;ErrorResponse&gt;&lt;Error&gt;</c> (STS), and JSON's <c>{"__type": ...}</c>
/// (ECR, Batch; REST-JSON may instead name the code in the <c>x-amzn-ErrorType</c> header).
/// </summary>
public static class AwsErrorParser
{
    public static AwsException Parse(
        string service, string operation, HttpStatusCode status, HttpResponseHeaders? headers, byte[] body, string? requestId)
    {
        string? code = null;
        string? message = null;
        var text = Encoding.UTF8.GetString(body).TrimStart();
        try
        {
            if (text.StartsWith('<'))
            {
                var root = XDocument.Parse(text).Root!;
                var error = root.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                code = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
                message = error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value;
                requestId ??= root.Descendants().FirstOrDefault(e => e.Name.LocalName is "RequestID" or "RequestId")?.Value;
            }
            else if (text.StartsWith('{'))
            {
                using var json = JsonDocument.Parse(text);
                foreach (var property in json.RootElement.EnumerateObject())
                {
                    if (property.Name is "__type" or "code" or "Code" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        code ??= property.Value.GetString();
                    }
                    else if (property.Name is "message" or "Message" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        message ??= property.Value.GetString();
                    }
                }
            }
        }
        catch (Exception e) when (e is System.Xml.XmlException or JsonException)
        {
            // Not a structured error (a proxy's HTML page): fall through to the status code.
        }

        if (headers is not null && headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            code ??= types.FirstOrDefault();
        }
        code = Normalize(code) ?? (status == HttpStatusCode.TooManyRequests ? "TooManyRequestsException" : $"Http{(int)status}");
        message ??= string.IsNullOrWhiteSpace(text) ? status.ToString() : Truncate(text);
        return new AwsException(service, operation, code, message, requestId, status);
    }

    // JSON codes may be qualified ("com.amazonaws.ecr#RepositoryNotFoundException") and x-amzn-ErrorType
    // may carry a suffix ("ClientException:http://internal.amazon.com/...").
    private static string? Normalize(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }
        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? code[..colon] : code;
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

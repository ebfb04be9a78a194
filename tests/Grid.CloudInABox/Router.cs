using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Grid.CloudInABox.Apis;
using Grid.CloudInABox.State;
using Grid.CloudInABox.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Grid.CloudInABox;

/// <summary>
/// Routes each request to its service, checks its signature, rolls the throttling dice (a throttled call
/// touches no state), runs it under the state lock and writes the answer, or the error, in that service's shape.
/// </summary>
internal sealed class Router
{
    private readonly CloudState _state;
    private readonly Ec2Api _ec2;
    private readonly StsApi _sts;
    private readonly EcrApi _ecr;
    private readonly BatchApi _batch;
    private readonly ImdsApi _imds;
    private readonly AdminApi _admin;
    private Random _dice;

    public Router(CloudState state, FaultSettings faults)
    {
        _state = state;
        _ec2 = new Ec2Api(state);
        _sts = new StsApi(state);
        _ecr = new EcrApi(state);
        _batch = new BatchApi(state);
        _imds = new ImdsApi(state);
        _admin = new AdminApi(state, () => Faults, f => Faults = f);
        _dice = new Random(faults.Seed);
    }

    public FaultSettings Faults
    {
        get { lock (_state.Gate) { return _state.Faults; } }
        set
        {
            lock (_state.Gate)
            {
                _state.Faults = value;
                _dice = new Random(value.Seed);
            }
        }
    }

    /// <summary>Calls answered and calls throttled, per service id: tests read them.</summary>
    public Dictionary<string, (int Answered, int Throttled)> Counts { get; } = [];

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var requestId = Ids.Request();

        if (path.StartsWith("/_grid/", StringComparison.Ordinal))
        {
            JsonNode? json = body.Length > 0 ? JsonNode.Parse(body) : null;
            (int status, JsonNode answer) result;
            lock (_state.Gate)
            {
                _state.Advance(_state.Options.Time.GetUtcNow());
                result = _admin.Handle(request.Method, path, request.Query, json);
            }
            await Write(context, result.status, "application/json", result.answer.ToJsonString(), requestId);
            return;
        }
        if (path.StartsWith("/imds/", StringComparison.Ordinal))
        {
            var rest = path["/imds/".Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var instanceId = slash < 0 ? rest : rest[..slash];
            (int Status, string Body, string ContentType) answer;
            lock (_state.Gate)
            {
                _state.Advance(_state.Options.Time.GetUtcNow());
                // "$IMDS/latest/..." with IMDS ending in a slash gives "//latest/...": the path is the same.
                answer = _imds.Handle(request.Method, instanceId, slash < 0 ? "/" : "/" + rest[slash..].TrimStart('/'), request.Headers);
            }
            await Write(context, answer.Status, answer.ContentType, answer.Body, null);
            return;
        }

        if (path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            await Json(context, "Batch", path["/v1/".Length..], body, requestId, restJson: true);
        }
        else if (request.Headers["X-Amz-Target"].ToString() is { Length: > 0 } target)
        {
            var operation = target.StartsWith(EcrApi.TargetPrefix, StringComparison.Ordinal) ? target[EcrApi.TargetPrefix.Length..] : target;
            await Json(context, "ECR", operation, body, requestId, restJson: false);
        }
        else
        {
            await Query(context, body, requestId);
        }
    }

    private async Task Query(HttpContext context, byte[] body, string requestId)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)).Concat(context.Request.Query))
        {
            values[key] = value.ToString();
        }
        var q = new QueryParams(values);
        var action = q["Action"] ?? "";
        var isSts = action == "GetCallerIdentity";
        var service = isSts ? "STS" : "EC2";
        XElement answer;
        var status = 200;
        try
        {
            var scope = Admit(context, body, service);
            lock (_state.Gate)
            {
                _state.Advance(_state.Options.Time.GetUtcNow());
                answer = isSts ? _sts.Handle(action, scope.AccessKeyId, requestId) : _ec2.Handle(action, q, requestId);
            }
        }
        catch (ApiException e)
        {
            status = e.Status;
            answer = isSts ? StsApi.ErrorDocument(e.Code, e.Message, requestId) : Ec2Xml.ErrorDocument(e.Code, e.Message, requestId);
        }
        await Write(context, status, "text/xml;charset=UTF-8", new XDocument(new XDeclaration("1.0", "UTF-8", null), answer).Declaration + answer.ToString(SaveOptions.DisableFormatting), requestId);
    }

    private async Task Json(HttpContext context, string service, string operation, byte[] body, string requestId, bool restJson)
    {
        string answer;
        var status = 200;
        try
        {
            Admit(context, body, service);
            JsonObject request;
            try
            {
                request = body.Length == 0 ? [] : JsonNode.Parse(body) as JsonObject ?? throw new ApiException("SerializationException", "Body must be a JSON object");
            }
            catch (JsonException e)
            {
                throw new ApiException("SerializationException", e.Message);
            }
            lock (_state.Gate)
            {
                _state.Advance(_state.Options.Time.GetUtcNow());
                answer = (restJson ? _batch.Handle(operation, request) : _ecr.Handle(operation, request)).ToJsonString();
            }
        }
        catch (ApiException e)
        {
            status = e.Status;
            answer = new JsonObject { ["__type"] = e.Code, ["message"] = e.Message }.ToJsonString();
            if (restJson)
            {
                context.Response.Headers["x-amzn-ErrorType"] = e.Code;
            }
        }
        await Write(context, status, restJson ? "application/json" : "application/x-amz-json-1.1", answer, requestId);
    }

    /// <summary>Checks the signature and the scope's service, then rolls the throttling dice.</summary>
    private SigV4Verifier.Scope Admit(HttpContext context, byte[] body, string service)
    {
        var scope = SigV4Verifier.Verify(context.Request, body, _state.Options, _state.Options.Time);
        var expected = service.ToLowerInvariant();
        if (scope.Service != (service == "ECR" ? "ecr" : expected))
        {
            throw new ApiException("SignatureDoesNotMatch", $"Credential should be scoped to correct service: '{expected}'.", 403);
        }
        lock (_state.Gate)
        {
            var counts = Counts.GetValueOrDefault(service);
            if (_dice.NextDouble() < _state.Faults.ShareFor(service))
            {
                Counts[service] = counts with { Throttled = counts.Throttled + 1 };
                throw service switch
                {
                    "EC2" => new ApiException("RequestLimitExceeded", "Request limit exceeded.", 503),
                    "STS" => new ApiException("Throttling", "Rate exceeded", 400),
                    "ECR" => new ApiException("ThrottlingException", "Rate exceeded", 400),
                    _ => new ApiException("TooManyRequestsException", "Too Many Requests", 429),
                };
            }
            Counts[service] = counts with { Answered = counts.Answered + 1 };
        }
        return scope;
    }

    private static async Task Write(HttpContext context, int status, string contentType, string body, string? requestId)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        if (requestId is not null)
        {
            context.Response.Headers["x-amzn-RequestId"] = requestId;
        }
        await context.Response.WriteAsync(body, context.RequestAborted);
    }
}

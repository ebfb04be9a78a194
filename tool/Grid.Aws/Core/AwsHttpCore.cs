using System.Net;
using System.Net.Http.Headers;
using Grid.Aws.Wire;

namespace Grid.Aws.Core;

/// <summary>
/// The one HTTP path every client shares: resolve the endpoint, sign, send, turn an error answer into an
/// <see cref="AwsException"/>, and retry what is worth retrying. Retries are safe because every call Grid
/// makes is a read, a delete, or a create that carries an idempotency token (ClientToken) or a unique name.
/// </summary>
public sealed class AwsHttpCore
{
    private readonly HttpClient _http;
    private readonly AwsClientOptions _options;

    public AwsHttpCore(HttpClient http, AwsClientOptions options)
    {
        _http = http;
        _options = options;
    }

    public AwsClientOptions Options => _options;

    public async Task<AwsResponse> SendAsync(AwsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var endpoint = AwsEndpoints.Resolve(request.Service, _options.Region, _options.Environment);
        for (var attempt = 1; ; attempt++)
        {
            AwsException failure;
            TimeSpan? retryAfter = null;
            try
            {
                using var message = await BuildAsync(endpoint, request, cancellationToken);
                using var response = await _http.SendAsync(message, cancellationToken);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var requestId = RequestId(response);
                if (response.IsSuccessStatusCode)
                {
                    return new AwsResponse(body, requestId);
                }
                failure = AwsErrorParser.Parse(request.Service.Id, request.Operation, response.StatusCode, response.Headers, body, requestId);
                retryAfter = RetryAfter(response.Headers, _options.Time);
            }
            catch (HttpRequestException e)
            {
                failure = new AwsException(request.Service.Id, request.Operation, AwsErrorCodes.NetworkError, e.Message, null, null, e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // HttpClient's own timeout, not the caller's cancellation.
                failure = new AwsException(request.Service.Id, request.Operation, "RequestTimeout", e.Message, null, null, e);
            }

            if (!failure.IsRetryable || attempt >= _options.Retry.MaxAttempts)
            {
                throw failure;
            }
            await _options.Delay(_options.Retry.Delay(attempt, _options.Random(), retryAfter), cancellationToken);
        }
    }

    private async Task<HttpRequestMessage> BuildAsync(Uri endpoint, AwsRequest request, CancellationToken cancellationToken)
    {
        var credentials = await _options.Credentials.GetAsync(cancellationToken);
        var basePath = endpoint.AbsolutePath.TrimEnd('/');
        var path = basePath + request.Path;
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["host"] = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}",
            ["content-type"] = request.ContentType,
        };
        if (request.Target is { } target)
        {
            headers["x-amz-target"] = target;
        }
        SigV4.Sign(headers, "POST", path, "", request.Body, credentials, _options.Region, request.Service.SigningName,
            _options.Time.GetUtcNow().UtcDateTime);

        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path))
        {
            Content = new ByteArrayContent(request.Body),
        };
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        foreach (var (name, value) in headers)
        {
            if (name is not ("host" or "content-type"))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return message;
    }

    private static string? RequestId(HttpResponseMessage response)
    {
        foreach (var name in new[] { "x-amzn-RequestId", "x-amz-request-id", "x-amzn-requestid" })
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                return values.FirstOrDefault();
            }
        }
        return null;
    }

    /// <summary>Retry-After as seconds or as an HTTP date.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseHeaders headers, TimeProvider time)
    {
        var value = headers.RetryAfter;
        if (value?.Delta is { } delta)
        {
            return delta;
        }
        if (value?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    internal static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;
}

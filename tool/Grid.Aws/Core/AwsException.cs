using System.Net;

namespace Grid.Aws.Core;

/// <summary>
/// An error answer from an AWS service (or a request that never got one), as the service named it:
/// <c>RequestLimitExceeded</c>, <c>RepositoryNotFoundException</c>, <c>InvalidGroup.NotFound</c>.
/// </summary>
public sealed class AwsException : Exception
{
    public AwsException(
        string service, string operation, string code, string message, string? requestId, HttpStatusCode? statusCode,
        Exception? innerException = null)
        : base($"{service} {operation}: {code}: {message}", innerException)
    {
        Service = service;
        Operation = operation;
        Code = code;
        ErrorMessage = message;
        RequestId = requestId;
        StatusCode = statusCode;
    }

    public AwsException()
        : this("aws", "unknown", "Unknown", "unknown error", null, null)
    {
    }

    public AwsException(string message)
        : this("aws", "unknown", "Unknown", message, null, null)
    {
    }

    public AwsException(string message, Exception innerException)
        : this("aws", "unknown", "Unknown", message, null, null, innerException)
    {
    }

    /// <summary>The service's id: EC2, ECR, Batch, STS.</summary>
    public string Service { get; }

    /// <summary>The API operation: CreateFleet, GetAuthorizationToken.</summary>
    public string Operation { get; }

    /// <summary>The service's error code, or <c>NetworkError</c> when no answer came.</summary>
    public string Code { get; }

    /// <summary>The service's message, without the prefix <see cref="Exception.Message"/> adds.</summary>
    public string ErrorMessage { get; }

    /// <summary>The request id the service returned, to quote to AWS support.</summary>
    public string? RequestId { get; }

    /// <summary>The HTTP status, or null when no answer came.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The service asked us to slow down (a throttling code or HTTP 429).</summary>
    public bool IsThrottling => AwsErrorCodes.IsThrottling(Code) || StatusCode == HttpStatusCode.TooManyRequests;

    /// <summary>Worth sending again: throttling, a 5xx, a transient code, or no answer at all.</summary>
    public bool IsRetryable =>
        IsThrottling || AwsErrorCodes.IsTransient(Code) || StatusCode is null || (int)StatusCode >= 500;
}

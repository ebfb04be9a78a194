namespace Grid.Aws.Core;

/// <summary>The error codes the retry policy treats specially; the lists follow botocore's standard retry mode.</summary>
public static class AwsErrorCodes
{
    /// <summary>No HTTP answer: connection refused or reset, DNS, timeout.</summary>
    public const string NetworkError = "NetworkError";

    private static readonly HashSet<string> Throttling = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    };

    private static readonly HashSet<string> Transient = new(StringComparer.Ordinal)
    {
        NetworkError, "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
        "ServiceUnavailable", "Unavailable", "ServerException",
    };

    public static bool IsThrottling(string code) => Throttling.Contains(code);

    public static bool IsTransient(string code) => Transient.Contains(code);
}

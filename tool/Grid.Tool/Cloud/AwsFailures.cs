using Grid.Aws.Core;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Cloud;

/// <summary>Turns an AWS error into a GRID error that says what to do about it.</summary>
public static class AwsFailures
{
    private static readonly HashSet<string> Rejected = new(StringComparer.Ordinal)
    {
        "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException",
        "AuthFailure", "InvalidAccessKeyId", "RequestExpired", "InvalidToken", "IncompleteSignature", "MissingAuthenticationToken",
    };

    /// <param name="doing">What Grid was doing, for the message: "checking the credentials".</param>
    public static GridException Translate(AwsException e, string doing, int exitCode = ExitCodes.Usage)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Code == "NoCredentials")
        {
            return new GridException(ErrorCodes.AwsNoCredentials,
                $"no AWS credentials found while {doing} ({e.ErrorMessage}). Configure them as for the AWS CLI: `aws configure`, `aws sso login`, AWS_PROFILE, or a role (web identity in CI, the instance role on EC2).", exitCode);
        }

        if (Rejected.Contains(e.Code))
        {
            return new GridException(ErrorCodes.AwsCredentialsRejected,
                $"AWS refused the credentials while {doing}: {e.Code}: {e.ErrorMessage}. Refresh them (`aws sso login`, a new session) and check `aws sts get-caller-identity`.", exitCode);
        }

        if (e.Code == AwsErrorCodes.NetworkError)
        {
            return new GridException(ErrorCodes.AwsRegion,
                $"{e.Service} could not be reached while {doing}: {e.ErrorMessage}. Check the region and the network (or AWS_ENDPOINT_URL when set).", exitCode);
        }

        return new GridException(ErrorCodes.AwsCallFailed,
            $"{e.Service} {e.Operation} failed while {doing}: {e.Code}: {e.ErrorMessage}{(e.RequestId is null ? "" : $" (request {e.RequestId})")}. "
            + (e.Code.Contains("Unauthorized", StringComparison.Ordinal) || e.Code.Contains("AccessDenied", StringComparison.Ordinal)
                ? "The credentials lack a permission: compare their policy with `dotnet grid iam-policy`."
                : "Act on AWS's message, then run again; `dotnet grid down` removes anything left."), exitCode);
    }
}

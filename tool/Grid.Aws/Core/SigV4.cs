using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.Internal.Auth;

namespace Grid.Aws.Core;

/// <summary>
/// Signature Version 4. The canonical request is built here, for the few shapes of request Grid sends
/// (POST with a body, no query string); the string to sign, the signing key and the HMAC chain are
/// AWSSDK.Core's <see cref="AWS4Signer"/>, whose output matches botocore's byte for byte.
/// </summary>
public static class SigV4
{
    public const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>
    /// Adds <c>x-amz-date</c>, <c>x-amz-security-token</c> (with a session token) and <c>Authorization</c>
    /// to <paramref name="headers"/>, which must already hold every other header that is to be signed
    /// (host, content-type, x-amz-target).
    /// </summary>
    public static void Sign(
        SortedDictionary<string, string> headers, string method, string path, string query, byte[] body,
        AwsCredentials credentials, string region, string signingName, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(credentials);
        headers["x-amz-date"] = utcNow.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
        if (credentials.SessionToken is { } token)
        {
            headers["x-amz-security-token"] = token;
        }
        var canonical = CanonicalRequest(headers, method, path, query, body, out var signedHeaders);
        var result = AWS4Signer.ComputeSignature(
            credentials.AccessKeyId, credentials.SecretAccessKey, region, utcNow, signingName, signedHeaders, canonical);
        headers["authorization"] = result.ForAuthorizationHeader;
    }

    /// <summary>The canonical request (exposed for tests): method, path, query, headers, signed names, body hash.</summary>
    public static string CanonicalRequest(
        SortedDictionary<string, string> headers, string method, string path, string query, byte[] body, out string signedHeaders)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var builder = new StringBuilder();
        builder.Append(method).Append('\n');
        builder.Append(CanonicalPath(path)).Append('\n');
        builder.Append(query).Append('\n');
        foreach (var (name, value) in headers)
        {
            if (name == "authorization")
            {
                continue;
            }
            builder.Append(name).Append(':').Append(CollapseSpaces(value)).Append('\n');
        }
        builder.Append('\n');
        signedHeaders = string.Join(';', headers.Keys.Where(k => k != "authorization"));
        builder.Append(signedHeaders).Append('\n');
        builder.Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        return builder.ToString();
    }

    // Non-S3 services double-encode: each segment is URI-encoded once more than it travels.
    private static string CanonicalPath(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }
        return string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
    }

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        return trimmed.Contains("  ", StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.Replace(trimmed, " +", " ")
            : trimmed;
    }
}

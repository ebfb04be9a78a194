using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Grid.CloudInABox.Wire;

/// <summary>
/// Checks a request's SigV4 signature as AWS does, written from the specification (not from AWSSDK.Core), so
/// that botocore's signatures and Grid's are each checked independently. Returns the signing scope.
/// </summary>
public static class SigV4Verifier
{
    public sealed record Scope(string AccessKeyId, string Date, string Region, string Service);

    public static Scope Verify(HttpRequest request, byte[] body, CloudOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization))
        {
            throw new ApiException("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
        }
        const string algorithm = "AWS4-HMAC-SHA256 ";
        if (!authorization.StartsWith(algorithm, StringComparison.Ordinal))
        {
            throw new ApiException("IncompleteSignature", "Only AWS4-HMAC-SHA256 signatures are accepted", 403);
        }
        var parts = authorization[algorithm.Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signedHeaders) ||
            !parts.TryGetValue("Signature", out var signature))
        {
            throw new ApiException("IncompleteSignature", "Authorization header requires Credential, SignedHeaders and Signature", 403);
        }
        var scopeParts = credential.Split('/');
        if (scopeParts.Length != 5 || scopeParts[4] != "aws4_request")
        {
            throw new ApiException("IncompleteSignature", $"Credential '{credential}' is not KEY/DATE/REGION/SERVICE/aws4_request", 403);
        }
        var scope = new Scope(scopeParts[0], scopeParts[1], scopeParts[2], scopeParts[3]);
        if (!options.VerifySignatures)
        {
            return scope;
        }
        if (scope.AccessKeyId != options.AccessKeyId)
        {
            throw new ApiException("UnrecognizedClientException", "The security token included in the request is invalid.", 403);
        }
        if (scope.Region != options.Region)
        {
            throw new ApiException("SignatureDoesNotMatch",
                $"Credential should be scoped to a valid region, not '{scope.Region}'. This endpoint serves '{options.Region}'.", 403);
        }

        var amzDate = request.Headers["x-amz-date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            throw new ApiException("IncompleteSignature", "x-amz-date is missing or malformed", 403);
        }
        if ((time.GetUtcNow() - signedAt).Duration() > TimeSpan.FromMinutes(15))
        {
            throw new ApiException("SignatureDoesNotMatch", "Signature expired: the request time is more than 15 minutes from now", 403);
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method).Append('\n');
        canonical.Append(string.Join('/', (request.PathBase + request.Path).ToUriComponent().Split('/').Select(s => Uri.EscapeDataString(Uri.UnescapeDataString(s))))).Append('\n');
        canonical.Append(CanonicalQuery(request)).Append('\n');
        foreach (var name in signedHeaders.Split(';'))
        {
            var value = name == "host" ? request.Host.ToString() : request.Headers[name].ToString();
            canonical.Append(name).Append(':').Append(System.Text.RegularExpressions.Regex.Replace(value.Trim(), " +", " ")).Append('\n');
        }
        canonical.Append('\n').Append(signedHeaders).Append('\n');
        canonical.Append(Convert.ToHexStringLower(SHA256.HashData(body)));

        var scopeText = $"{scope.Date}/{scope.Region}/{scope.Service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scopeText}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + options.SecretAccessKey);
        foreach (var part in new[] { scope.Date, scope.Region, scope.Service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            throw new ApiException("SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.", 403);
        }
        return scope;
    }

    private static string CanonicalQuery(HttpRequest request) =>
        string.Join('&', request.Query
            .SelectMany(q => q.Value.Select(v => (Key: Uri.EscapeDataString(q.Key), Value: Uri.EscapeDataString(v ?? ""))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
}

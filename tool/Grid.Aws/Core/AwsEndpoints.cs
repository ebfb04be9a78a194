namespace Grid.Aws.Core;

/// <summary>
/// Where each service is reached. Follows the SDKs' "service-specific endpoints" rules: a service's own
/// <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> wins over <c>AWS_ENDPOINT_URL</c>, which wins over the public
/// endpoint; <c>AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true</c> ignores both variables.
/// </summary>
public static class AwsEndpoints
{
    public static Uri Resolve(AwsService service, string region, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.Equals(environment("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var name in new[] { "AWS_ENDPOINT_URL_" + service.EnvironmentSuffix, "AWS_ENDPOINT_URL" })
            {
                var value = environment(name);
                if (!string.IsNullOrWhiteSpace(value))
                {
                    return Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https")
                        ? uri
                        : throw new ArgumentException($"{name} is '{value}'; it must be an absolute http or https URL.");
                }
            }
        }
        return Public(service, region);
    }

    /// <summary>The public endpoint: <c>https://ec2.eu-west-1.amazonaws.com/</c>; China regions end in .com.cn.</summary>
    public static Uri Public(AwsService service, string region)
    {
        ArgumentNullException.ThrowIfNull(service);
        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Uri($"https://{service.EndpointPrefix}.{region}.{suffix}/");
    }
}

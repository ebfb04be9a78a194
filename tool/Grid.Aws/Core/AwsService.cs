namespace Grid.Aws.Core;

/// <summary>
/// A service as its endpoint and signer see it. <paramref name="Id"/> is the SDK service id, which names the
/// endpoint override variable (<c>AWS_ENDPOINT_URL_EC2</c>); <paramref name="EndpointPrefix"/> is the host's
/// first label(s); <paramref name="SigningName"/> goes into the SigV4 scope.
/// </summary>
public sealed record AwsService(string Id, string EndpointPrefix, string SigningName)
{
    public static readonly AwsService Ec2 = new("EC2", "ec2", "ec2");
    public static readonly AwsService Ecr = new("ECR", "api.ecr", "ecr");
    public static readonly AwsService Batch = new("Batch", "batch", "batch");
    public static readonly AwsService Sts = new("STS", "sts", "sts");

    /// <summary>The suffix of the endpoint override variable: upper case, spaces as underscores.</summary>
    public string EnvironmentSuffix => Id.ToUpperInvariant().Replace(' ', '_');
}

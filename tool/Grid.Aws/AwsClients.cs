using Grid.Aws.Batch;
using Grid.Aws.Core;
using Grid.Aws.Ec2;
using Grid.Aws.Ecr;
using Grid.Aws.Sts;

namespace Grid.Aws;

/// <summary>The four clients over one HTTP core: what a backend takes, and what tests replace.</summary>
public sealed record AwsClients(IEc2 Ec2, IEcr Ecr, IBatch Batch, ISts Sts)
{
    public static AwsClients Create(HttpClient http, AwsClientOptions options)
    {
        var core = new AwsHttpCore(http, options);
        return new AwsClients(new Ec2Client(core), new EcrClient(core), new BatchClient(core), new StsClient(core));
    }
}

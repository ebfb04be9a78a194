using System.Net;
using Grid.Aws.Core;

namespace Grid.Aws.Tests;

public class EndpointTests
{
    [Fact]
    public void PublicEndpointsFollowEachServicesPrefix()
    {
        Assert.Equal("https://ec2.eu-west-1.amazonaws.com/", AwsEndpoints.Public(AwsService.Ec2, "eu-west-1").ToString());
        Assert.Equal("https://api.ecr.eu-west-1.amazonaws.com/", AwsEndpoints.Public(AwsService.Ecr, "eu-west-1").ToString());
        Assert.Equal("https://batch.cn-north-1.amazonaws.com.cn/", AwsEndpoints.Public(AwsService.Batch, "cn-north-1").ToString());
    }

    [Fact]
    public void ServiceSpecificOverrideWinsOverTheGlobalOne()
    {
        var environment = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4566",
            ["AWS_ENDPOINT_URL_BATCH"] = "http://127.0.0.1:9999",
        };
        string? Lookup(string name) => environment.GetValueOrDefault(name);

        Assert.Equal("http://127.0.0.1:4566/", AwsEndpoints.Resolve(AwsService.Ec2, "us-east-1", Lookup).ToString());
        Assert.Equal("http://127.0.0.1:9999/", AwsEndpoints.Resolve(AwsService.Batch, "us-east-1", Lookup).ToString());
        environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
        Assert.Equal("https://batch.us-east-1.amazonaws.com/", AwsEndpoints.Resolve(AwsService.Batch, "us-east-1", Lookup).ToString());
    }

    [Fact]
    public void AMalformedOverrideIsRefusedNamingTheVariable()
    {
        var e = Assert.Throws<ArgumentException>(() => AwsEndpoints.Resolve(AwsService.Sts, "us-east-1",
            name => name == "AWS_ENDPOINT_URL_STS" ? "localhost:4566" : null));
        Assert.Contains("AWS_ENDPOINT_URL_STS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsGoToTheOverriddenEndpointAndAreSignedForItsHost()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.OK,
            "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:user/grid</Arn><UserId>AIDA</UserId><Account>000000000000</Account></GetCallerIdentityResult></GetCallerIdentityResponse>");
        var (clients, _) = handler.Clients(environment: new() { ["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:4566/" });

        var identity = await clients.Sts.GetCallerIdentityAsync();

        Assert.Equal("000000000000", identity.Account);
        Assert.Equal(new Uri("http://127.0.0.1:4566/"), handler.Requests[0].Uri);
        Assert.Contains("/us-east-1/sts/aws4_request", handler.Requests[0].Headers["authorization"], StringComparison.Ordinal);
        Assert.Equal("Action=GetCallerIdentity&Version=2011-06-15", handler.Requests[0].Body);
    }

    [Fact]
    public void RegionComesFromAwsRegionThenAwsDefaultRegion()
    {
        Assert.Equal("eu-west-1", AwsRegion.Resolve(null, n => n switch { "AWS_REGION" => "eu-west-1", "AWS_DEFAULT_REGION" => "us-west-2", _ => null }));
        Assert.Equal("us-west-2", AwsRegion.Resolve(null, n => n == "AWS_DEFAULT_REGION" ? "us-west-2" : null));
        Assert.Equal("ap-south-1", AwsRegion.Resolve("ap-south-1", n => n == "AWS_REGION" ? "eu-west-1" : null));
        Assert.True(AwsRegion.LooksValid("us-gov-west-1"));
        Assert.False(AwsRegion.LooksValid("mars-north-1a"));
    }
}

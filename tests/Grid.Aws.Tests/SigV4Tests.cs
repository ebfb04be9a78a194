using System.Text;
using Grid.Aws.Core;

namespace Grid.Aws.Tests;

public class SigV4Tests
{
    private static readonly DateTime SignedAt = new(2026, 11, 21, 12, 0, 0, DateTimeKind.Utc);
    private static readonly AwsCredentials Keys = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    [Fact]
    public void Ec2QueryCallIsSignedExactlyAsBotocoreSignsIt()
    {
        var headers = Headers("ec2.us-east-1.amazonaws.com", "application/x-www-form-urlencoded; charset=utf-8");
        SigV4.Sign(headers, "POST", "/", "",
            Encoding.UTF8.GetBytes("Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Agrid%3Ajob&Filter.1.Value.1=tiles"),
            Keys, "us-east-1", "ec2", SignedAt);

        Assert.Equal(Vectors.Signature("ec2"), headers["authorization"]);
        Assert.Equal("20261121T120000Z", headers["x-amz-date"]);
    }

    [Fact]
    public void EcrJsonCallWithSessionTokenSignsTheTokenAndTarget()
    {
        var headers = Headers("api.ecr.us-east-1.amazonaws.com", "application/x-amz-json-1.1");
        headers["x-amz-target"] = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
        SigV4.Sign(headers, "POST", "/", "", "{}"u8.ToArray(), Keys with { SessionToken = "SESSIONTOKEN" }, "us-east-1", "ecr", SignedAt);

        Assert.Equal(Vectors.Signature("ecr"), headers["authorization"]);
        Assert.Equal("SESSIONTOKEN", headers["x-amz-security-token"]);
    }

    [Fact]
    public void BatchRestCallToALoopbackPortSignsHostWithPortAndPath()
    {
        var headers = Headers("127.0.0.1:4566", "application/json");
        SigV4.Sign(headers, "POST", "/v1/submitjob", "", """{"jobName":"grid-tiles"}"""u8.ToArray(), Keys, "us-east-1", "batch", SignedAt);

        Assert.Equal(Vectors.Signature("batch"), headers["authorization"]);
    }

    private static SortedDictionary<string, string> Headers(string host, string contentType) =>
        new(StringComparer.Ordinal) { ["host"] = host, ["content-type"] = contentType };
}

using System.Net;
using Grid.Aws.Core;

namespace Grid.Aws.Tests;

/// <summary>Retries use recorded waits (the injected delay) with a fixed random number of 0.5: no sleeping.</summary>
public class RetryTests
{
    private const string Throttled = "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>t</RequestID></Response>";
    private const string Subnets = "<DescribeSubnetsResponse><subnetSet/></DescribeSubnetsResponse>";

    [Fact]
    public async Task Ec2ThrottlingIsRetriedWithJitteredExponentialBackoffUntilItSucceeds()
    {
        var handler = new FakeHandler()
            .Answer(HttpStatusCode.ServiceUnavailable, Throttled)
            .Answer(HttpStatusCode.ServiceUnavailable, Throttled)
            .Answer(HttpStatusCode.ServiceUnavailable, Throttled)
            .Answer(HttpStatusCode.OK, Subnets);
        var (clients, waits) = handler.Clients();

        await clients.Ec2.DescribeSubnetsAsync();

        Assert.Equal(4, handler.Requests.Count);
        // Full jitter at 0.5: half of 200 ms × 2^(n-1).
        Assert.Equal([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400)], waits);
        // Each attempt is signed afresh.
        Assert.All(handler.Requests, r => Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-east-1/ec2/aws4_request", r.Headers["authorization"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task JsonThrottlingException429AndServerErrorsAreRetried()
    {
        var handler = new FakeHandler()
            .Answer(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}""", "application/x-amz-json-1.1")
            .Answer(HttpStatusCode.TooManyRequests, """{"message":"Too Many Requests"}""", "application/json")
            .Answer(HttpStatusCode.InternalServerError, """{"__type":"ServerException","message":"boom"}""", "application/json")
            .Answer(HttpStatusCode.OK, """{"repositories":[]}""", "application/x-amz-json-1.1");
        var (clients, waits) = handler.Clients();

        var repositories = await clients.Ecr.DescribeRepositoriesAsync(["tiles"]);

        Assert.Empty(repositories);
        Assert.Equal(3, waits.Count);
    }

    [Fact]
    public async Task RetryAfterIsAFloorOnTheWait()
    {
        var handler = new FakeHandler()
            .Answer(HttpStatusCode.TooManyRequests, """{"message":"slow down"}""", "application/json",
                r => r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(7)))
            .Answer(HttpStatusCode.OK, """{"jobs":[]}""", "application/json");
        var (clients, waits) = handler.Clients();

        await clients.Batch.DescribeJobsAsync(["j-1"]);

        Assert.Equal([TimeSpan.FromSeconds(7)], waits);
    }

    [Fact]
    public async Task GivesUpAfterMaxAttemptsWithTheLastError()
    {
        var handler = new FakeHandler();
        for (var i = 0; i < 3; i++)
        {
            handler.Answer(HttpStatusCode.ServiceUnavailable, Throttled);
        }
        var (clients, waits) = handler.Clients(new AwsRetryPolicy { MaxAttempts = 3 });

        var e = await Assert.ThrowsAsync<AwsException>(() => clients.Ec2.DescribeSubnetsAsync());

        Assert.Equal("RequestLimitExceeded", e.Code);
        Assert.True(e.IsThrottling);
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(2, waits.Count);
    }

    [Fact]
    public async Task ClientErrorsAreNotRetried()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.BadRequest,
            "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>bad</Message></Error></Errors></Response>");
        var (clients, waits) = handler.Clients();

        await Assert.ThrowsAsync<AwsException>(() => clients.Ec2.DescribeSubnetsAsync());

        Assert.Single(handler.Requests);
        Assert.Empty(waits);
    }

    [Fact]
    public async Task ConnectionFailuresAreRetriedAsNetworkErrors()
    {
        var handler = new FakeHandler()
            .Fail(new HttpRequestException("Connection refused"))
            .Answer(HttpStatusCode.OK, Subnets);
        var (clients, waits) = handler.Clients();

        await clients.Ec2.DescribeSubnetsAsync();

        Assert.Single(waits);
    }

    [Theory]
    [InlineData(1, 1.0, 200)]
    [InlineData(3, 1.0, 800)]
    [InlineData(20, 1.0, 20_000)]
    [InlineData(5, 0.0, 0)]
    public void DelayIsCappedExponentialWithFullJitter(int attempt, double random, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), AwsRetryPolicy.Standard.Delay(attempt, random, retryAfter: null));
    }

    [Fact]
    public void AVeryLongRetryAfterIsCapped()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), AwsRetryPolicy.Standard.Delay(1, 0.1, TimeSpan.FromHours(1)));
    }
}

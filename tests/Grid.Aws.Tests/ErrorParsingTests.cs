using System.Net;
using Grid.Aws.Core;
using Grid.Aws.Ec2;

namespace Grid.Aws.Tests;

public class ErrorParsingTests
{
    private static readonly AwsRetryPolicy NoRetry = new() { MaxAttempts = 1 };

    [Fact]
    public async Task Ec2ErrorResponseBecomesATypedExceptionWithCodeMessageAndRequestId()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.BadRequest, """
            <?xml version="1.0" encoding="UTF-8"?>
            <Response><Errors><Error><Code>InvalidGroup.NotFound</Code><Message>The security group 'sg-1' does not exist</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>
            """, configure: r => r.Headers.Remove("x-amzn-RequestId"));

        var e = await Assert.ThrowsAsync<AwsException>(() => handler.Clients(NoRetry).Clients.Ec2.DeleteSecurityGroupAsync("sg-1"));

        Assert.Equal(("EC2", "DeleteSecurityGroup", "InvalidGroup.NotFound"), (e.Service, e.Operation, e.Code));
        Assert.Equal("The security group 'sg-1' does not exist", e.ErrorMessage);
        Assert.Equal("ea966190-f9aa-478e-9ede-example", e.RequestId);
        Assert.False(e.IsRetryable);
    }

    [Fact]
    public async Task StsErrorResponseIsReadFromItsQueryShape()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.Forbidden, """
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>4c1d</RequestId></ErrorResponse>
            """);

        var e = await Assert.ThrowsAsync<AwsException>(() => handler.Clients(NoRetry).Clients.Sts.GetCallerIdentityAsync());

        Assert.Equal(("STS", "InvalidClientTokenId", HttpStatusCode.Forbidden), (e.Service, e.Code, e.StatusCode));
    }

    [Fact]
    public async Task JsonErrorTypeIsReadAndItsNamespaceDropped()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.BadRequest,
            """{"__type":"com.amazonaws.ecr#RepositoryNotFoundException","message":"The repository with name 'tiles' does not exist"}""",
            "application/x-amz-json-1.1");

        var e = await Assert.ThrowsAsync<AwsException>(() => handler.Clients(NoRetry).Clients.Ecr.DescribeRepositoriesAsync(["tiles"]));

        Assert.Equal(("ECR", "DescribeRepositories", "RepositoryNotFoundException"), (e.Service, e.Operation, e.Code));
        Assert.Contains("does not exist", e.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("req-0", e.RequestId);
    }

    [Fact]
    public async Task RestJsonErrorTypeHeaderNamesTheCodeWhenTheBodyDoesNot()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.BadRequest, """{"message":"Compute environment grid-x does not exist"}""",
            "application/json", r => r.Headers.TryAddWithoutValidation("x-amzn-ErrorType", "ClientException:http://internal.amazon.com/coral/"));

        var e = await Assert.ThrowsAsync<AwsException>(() => handler.Clients(NoRetry).Clients.Batch.DeleteComputeEnvironmentAsync("grid-x"));

        Assert.Equal(("Batch", "ClientException"), (e.Service, e.Code));
    }

    [Fact]
    public async Task AnUnstructuredErrorPageIsNamedByItsStatus()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.BadGateway, "<html>bad gateway</html", "text/html");

        var e = await Assert.ThrowsAsync<AwsException>(() => handler.Clients(NoRetry).Clients.Ec2.DescribeSubnetsAsync());

        Assert.Equal("Http502", e.Code);
        Assert.True(e.IsRetryable);
    }

    [Fact]
    public async Task FleetFailuresArePerPoolDataNotExceptions()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.OK, """
            <CreateFleetResponse><fleetId>fleet-1</fleetId><errorSet><item><errorCode>InsufficientInstanceCapacity</errorCode>
            <errorMessage>x</errorMessage><lifecycle>spot</lifecycle></item></errorSet><fleetInstanceSet/></CreateFleetResponse>
            """);

        var fleet = await handler.Clients(NoRetry).Clients.Ec2.CreateFleetAsync(
            new CreateFleetRequest("t", "lt-1", [new FleetOverride("c7g.large", "subnet-1")], 1, []));

        Assert.Empty(fleet.InstanceIds);
        Assert.Equal("InsufficientInstanceCapacity", Assert.Single(fleet.Errors).ErrorCode);
    }
}

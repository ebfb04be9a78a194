using System.Net;
using Grid.Aws.Ec2;

namespace Grid.Aws.Tests;

/// <summary>Each EC2 request's form parameters equal botocore's for the same call.</summary>
public class QueryEncodingTests
{
    private static readonly Tag[] GridTags = [new("grid:job", "tiles"), new("grid:run", "r1")];

    private const string Ok = """<R xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><return>true</return><groupId>sg-1</groupId><fleetId>fleet-1</fleetId><launchTemplate><launchTemplateId>lt-1</launchTemplateId></launchTemplate></R>""";

    [Fact]
    public async Task CreateFleetIsAnInstantPriceCapacityOptimizedSpotFleetAsBotocoreEncodesIt()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.OK, Ok);
        await handler.Clients().Clients.Ec2.CreateFleetAsync(new CreateFleetRequest(
            "tok-1", "lt-0123456789abcdef0", [new("c7g.large", "subnet-1"), new("m7g.large", "subnet-2")], 4,
            [new("fleet", GridTags), new("instance", GridTags)]));

        Assert.Equal(Vectors.Query("CreateFleet"), handler.Requests[0].Form());
    }

    [Fact]
    public async Task CreateLaunchTemplateRequiresImdsV2TerminatesOnShutdownAndEncodesUserData()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.OK, Ok);
        await handler.Clients().Clients.Ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest(
            "grid-tiles", "tok-2", "ami-1", "#!/bin/sh\n", "grid-worker", ["sg-1"], GridTags));

        Assert.Equal(Vectors.Query("CreateLaunchTemplate"), handler.Requests[0].Form());
    }

    [Fact]
    public async Task DescribeAndDeleteCallsEncodeIdsFiltersAndTokensAsBotocoreDoes()
    {
        var handler = new FakeHandler();
        for (var i = 0; i < 12; i++)
        {
            handler.Answer(HttpStatusCode.OK, Ok);
        }
        var ec2 = handler.Clients().Clients.Ec2;

        await ec2.DescribeInstancesAsync(["i-1", "i-2"], [Filter.Tag("grid:job", "tiles"), new("instance-state-name", ["pending", "running"])]);
        await ec2.AuthorizeIngressFromGroupAsync("sg-1", 7700, "sg-2", "grid workers");
        await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest("grid-tiles", "grid head", "vpc-1", GridTags));
        await ec2.DescribeSpotPriceHistoryAsync(["c7g.large"], new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero));
        await ec2.DeleteFleetsAsync(["fleet-1"], terminateInstances: true);
        await ec2.DescribeFleetsAsync(["fleet-1"]);
        await ec2.DescribeLaunchTemplatesAsync(["lt-1"], ["grid-tiles"]);
        await ec2.DescribeSecurityGroupsAsync(["sg-1"]);
        await ec2.DescribeSubnetsAsync(["subnet-1"]);
        await ec2.TerminateInstancesAsync(["i-1"]);
        await ec2.DeleteLaunchTemplateAsync("lt-1");
        await ec2.DeleteSecurityGroupAsync("sg-1");

        string[] operations =
        [
            "DescribeInstances", "AuthorizeSecurityGroupIngress", "CreateSecurityGroup", "DescribeSpotPriceHistory",
            "DeleteFleets", "DescribeFleets", "DescribeLaunchTemplates", "DescribeSecurityGroups", "DescribeSubnets",
            "TerminateInstances", "DeleteLaunchTemplate", "DeleteSecurityGroup",
        ];
        for (var i = 0; i < operations.Length; i++)
        {
            var expected = Vectors.Query(operations[i]);
            expected.Remove("NextToken"); // botocore's vector shows a second page; ours is the first.
            Assert.Equal(expected, handler.Requests[i].Form());
        }
    }

    [Fact]
    public async Task DescribeInstancesFollowsNextTokenAndFlattensReservations()
    {
        var handler = new FakeHandler()
            .Answer(HttpStatusCode.OK, """
                <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>a</requestId>
                <reservationSet><item><reservationId>r-1</reservationId><instancesSet><item><instanceId>i-1</instanceId>
                <instanceType>c7g.large</instanceType><instanceState><code>16</code><name>running</name></instanceState>
                <placement><availabilityZone>us-east-1a</availabilityZone></placement><subnetId>subnet-1</subnetId>
                <launchTime>2026-11-21T11:59:00.000Z</launchTime><instanceLifecycle>spot</instanceLifecycle>
                <tagSet><item><key>grid:job</key><value>tiles</value></item></tagSet></item></instancesSet></item></reservationSet>
                <nextToken>page2</nextToken></DescribeInstancesResponse>
                """)
            .Answer(HttpStatusCode.OK, """
                <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><reservationSet><item><instancesSet>
                <item><instanceId>i-2</instanceId><instanceState><name>pending</name></instanceState></item></instancesSet></item>
                </reservationSet></DescribeInstancesResponse>
                """);

        var instances = await handler.Clients().Clients.Ec2.DescribeInstancesAsync(filters: [Filter.Tag("grid:job", "tiles")]);

        Assert.Equal(["i-1", "i-2"], instances.Select(i => i.InstanceId));
        Assert.Equal("running", instances[0].State);
        Assert.Equal("us-east-1a", instances[0].AvailabilityZone);
        Assert.Equal("spot", instances[0].Lifecycle);
        Assert.Equal("tiles", instances[0].TagValue("grid:job"));
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 11, 59, 0, TimeSpan.Zero), instances[0].LaunchTime);
        Assert.Equal("page2", handler.Requests[1].Form()["NextToken"]);
    }

    [Fact]
    public async Task CreateFleetReadsInstancesAndPerPoolCapacityErrors()
    {
        var handler = new FakeHandler().Answer(HttpStatusCode.OK, """
            <CreateFleetResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>a</requestId>
            <fleetId>fleet-0123</fleetId>
            <errorSet><item><launchTemplateAndOverrides><overrides><instanceType>c7g.large</instanceType>
            <subnetId>subnet-1</subnetId></overrides></launchTemplateAndOverrides><lifecycle>spot</lifecycle>
            <errorCode>InsufficientInstanceCapacity</errorCode><errorMessage>no capacity</errorMessage></item></errorSet>
            <fleetInstanceSet><item><launchTemplateAndOverrides><overrides><instanceType>m7g.large</instanceType>
            <subnetId>subnet-2</subnetId></overrides></launchTemplateAndOverrides><lifecycle>spot</lifecycle>
            <instanceIds><item>i-1</item><item>i-2</item></instanceIds><instanceType>m7g.large</instanceType></item></fleetInstanceSet>
            </CreateFleetResponse>
            """);

        var fleet = await handler.Clients().Clients.Ec2.CreateFleetAsync(new CreateFleetRequest(
            "tok", "lt-1", [new("c7g.large", "subnet-1"), new("m7g.large", "subnet-2")], 2, []));

        Assert.Equal("fleet-0123", fleet.FleetId);
        Assert.Equal(["i-1", "i-2"], fleet.InstanceIds);
        var error = Assert.Single(fleet.Errors);
        Assert.Equal(("c7g.large", "subnet-1", "InsufficientInstanceCapacity"), (error.InstanceType, error.SubnetId, error.ErrorCode));
    }
}

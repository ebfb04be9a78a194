using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Grid.Aws.Batch;
using Grid.Aws.Core;
using Grid.Aws.Ec2;
using Grid.Aws.Ecr;

namespace Grid.CloudInABox.Tests;

/// <summary>Grid's thin AWS clients against the emulator: every call, and the faults Grid must survive.</summary>
public class ThinClientTests(CloudFixture fixture) : IClassFixture<CloudFixture>
{
    private static readonly Tag[] JobTags = [new("grid:job", "thin"), new("grid:run", "r1")];

    [Fact]
    public async Task StsAndEcrCallsRoundTrip()
    {
        var (aws, _) = fixture.Clients();

        var identity = await aws.Sts.GetCallerIdentityAsync();
        Assert.Equal("000000000000", identity.Account);

        var repository = await aws.Ecr.CreateRepositoryAsync(new CreateRepositoryRequest("thin/app", ScanOnPush: true, [new EcrTag("grid:job", "thin")]));
        Assert.Equal("127.0.0.1:5999/thin/app", repository.RepositoryUri);
        await aws.Ecr.PutLifecyclePolicyAsync("thin/app", EcrClient.ExpireUntaggedPolicy(7));
        Assert.Equal("thin/app", Assert.Single(await aws.Ecr.DescribeRepositoriesAsync(["thin/app"])).RepositoryName);
        lock (fixture.Cloud.State.Gate)
        {
            Assert.Contains("untagged", fixture.Cloud.State.Repositories["thin/app"].LifecyclePolicy, StringComparison.Ordinal);
        }

        var login = await aws.Ecr.GetAuthorizationTokenAsync();
        Assert.Equal(("AWS", "registry-token"), login.Credentials);
        Assert.Equal("127.0.0.1:5999", login.Registry);

        await aws.Ecr.DeleteRepositoryAsync("thin/app", force: true);
        var e = await Assert.ThrowsAsync<AwsException>(() => aws.Ecr.DescribeRepositoriesAsync(["thin/app"]));
        Assert.Equal("RepositoryNotFoundException", e.Code);
    }

    [Fact]
    public async Task SpotFleetFallsBackWhenCapacityIsRefusedIsIdempotentAndIsReclaimedWithAnImdsNotice()
    {
        var (aws, _) = fixture.Clients();
        var subnets = await aws.Ec2.DescribeSubnetsAsync(filters: [new Filter("default-for-az", ["true"])]);
        var vpc = subnets[0].VpcId;
        var head = await aws.Ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest("thin-head", "grid head", vpc, JobTags));
        var workers = await aws.Ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest("thin-workers", "grid workers", vpc, JobTags));
        await aws.Ec2.AuthorizeIngressFromGroupAsync(head, 7700, workers, "grid workers");
        var rule = Assert.Single(Assert.Single(await aws.Ec2.DescribeSecurityGroupsAsync([head])).Ingress);
        Assert.Equal([workers], rule.SourceGroupIds);
        Assert.Equal(7700, rule.FromPort);
        Assert.Empty(rule.Cidrs);

        var template = await aws.Ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest(
            "thin-workers", "lt-token-1", "ami-0abc", "#!/bin/sh\necho worker\n", "grid-worker", [workers], JobTags));
        Assert.Equal("thin-workers", Assert.Single(await aws.Ec2.DescribeLaunchTemplatesAsync(names: ["thin-workers"])).LaunchTemplateName);

        fixture.Cloud.Faults = new FaultSettings { NoCapacity = new HashSet<string> { "c7g.large" } };
        try
        {
            var request = new CreateFleetRequest("fleet-token-1", template.LaunchTemplateId,
                [.. subnets.Select(s => new FleetOverride("c7g.large", s.SubnetId)), new FleetOverride("m7g.large", subnets[1].SubnetId)], 3,
                [new TagSpecification("instance", JobTags), new TagSpecification("fleet", JobTags)]);
            var fleet = await aws.Ec2.CreateFleetAsync(request);

            Assert.Equal(3, fleet.InstanceIds.Count());
            Assert.Equal("m7g.large", Assert.Single(fleet.Instances).InstanceType);
            Assert.Equal(3, fleet.Errors.Count);
            Assert.All(fleet.Errors, e => Assert.Equal(("c7g.large", "InsufficientInstanceCapacity"), (e.InstanceType, e.ErrorCode)));

            // The same ClientToken gets the same fleet back, and launches nothing more.
            var again = await aws.Ec2.CreateFleetAsync(request);
            Assert.Equal(fleet.FleetId, again.FleetId);
            var instances = await aws.Ec2.DescribeInstancesAsync(filters: [Filter.Tag("grid:job", "thin")]);
            Assert.Equal(fleet.InstanceIds.Order(), instances.Select(i => i.InstanceId).Order());
            Assert.All(instances, i => Assert.Equal((fleet.FleetId, "spot"), (i.TagValue("aws:ec2:fleet-id"), i.Lifecycle)));

            var victim = fleet.InstanceIds.First();
            await fixture.UntilState(s => s.Instances[victim].State == "running", "the instance to run");
            var imds = new Uri(fixture.Cloud.ImdsBase, victim + "/");
            Assert.Equal(HttpStatusCode.NotFound, (await ImdsGet(imds, "latest/meta-data/spot/instance-action")).StatusCode);
            using var noToken = await CloudFixture.Http.GetAsync(new Uri(imds, "latest/meta-data/instance-id"));
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);

            using var reclaim = await CloudFixture.Http.PostAsync(new Uri(fixture.Cloud.Endpoint, $"_grid/reclaim?instance={victim}&notice=0.5"), null);
            Assert.Equal(HttpStatusCode.OK, reclaim.StatusCode);
            using var notice = await ImdsGet(imds, "latest/meta-data/spot/instance-action");
            Assert.Equal(HttpStatusCode.OK, notice.StatusCode);
            Assert.Equal("terminate", (await notice.Content.ReadFromJsonAsync<JsonObject>())!["action"]!.GetValue<string>());
            Assert.Equal(victim, await (await ImdsGet(imds, "latest/meta-data/instance-id")).Content.ReadAsStringAsync());
            await fixture.UntilState(s => s.Instances[victim].State == "terminated", "the reclaimed instance to terminate");

            var e = await Assert.ThrowsAsync<AwsException>(() => aws.Ec2.DeleteSecurityGroupAsync(workers));
            Assert.Equal("DependencyViolation", e.Code);

            var deleted = await aws.Ec2.DeleteFleetsAsync([fleet.FleetId], terminateInstances: true);
            Assert.Equal([fleet.FleetId], deleted.Deleted);
            await fixture.UntilState(s => fleet.InstanceIds.All(id => s.Instances[id].State == "terminated"), "the fleet's instances to terminate");
            Assert.Empty(await aws.Ec2.DescribeInstancesAsync(filters: [Filter.Tag("grid:job", "thin"), new Filter("instance-state-name", ["pending", "running"])]));
            Assert.Equal("deleted_terminating", Assert.Single(await aws.Ec2.DescribeFleetsAsync([fleet.FleetId])).FleetState);
        }
        finally
        {
            fixture.Cloud.Faults = new FaultSettings();
        }

        await aws.Ec2.DeleteLaunchTemplateAsync(template.LaunchTemplateId);
        await aws.Ec2.DeleteSecurityGroupAsync(head);
        await aws.Ec2.DeleteSecurityGroupAsync(workers);
        Assert.Empty(await aws.Ec2.DescribeSecurityGroupsAsync(filters: [Filter.Tag("grid:job", "thin")]));
        var prices = await aws.Ec2.DescribeSpotPriceHistoryAsync(["m7g.large"], DateTimeOffset.UtcNow);
        Assert.Equal(3, prices.Count);
    }

    [Fact]
    public async Task ThirtyPercentOfEc2CallsThrottledStillLaunchesEveryWorkerExactlyOnce()
    {
        var (aws, waits) = fixture.Clients();
        var subnet = (await aws.Ec2.DescribeSubnetsAsync())[0].SubnetId;
        var template = await aws.Ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest(
            "throttled", "lt-token-throttled", "ami-0abc", "#!/bin/sh\n", null, [], [new Tag("grid:job", "throttled")]));
        fixture.Cloud.Faults = new FaultSettings { ThrottleShare = new Dictionary<string, double> { ["EC2"] = 0.3 }, Seed = 42 };
        try
        {
            // Eight launches of one worker each, as a head starting workers one by one would make them.
            for (var i = 0; i < 8; i++)
            {
                var fleet = await aws.Ec2.CreateFleetAsync(new CreateFleetRequest($"throttled-{i}", template.LaunchTemplateId,
                    [new FleetOverride("c7g.large", subnet)], 1, [new TagSpecification("instance", [new Tag("grid:job", "throttled")])]));
                Assert.Single(fleet.InstanceIds);
            }
            var instances = await aws.Ec2.DescribeInstancesAsync(filters: [Filter.Tag("grid:job", "throttled")]);
            Assert.Equal(8, instances.Count);
        }
        finally
        {
            fixture.Cloud.Faults = new FaultSettings();
        }
        Assert.True(fixture.Cloud.Router.Counts["EC2"].Throttled > 0);
        Assert.NotEmpty(waits);
    }

    [Fact]
    public async Task BatchCallsRoundTripFromEnvironmentToTeardown()
    {
        var (aws, _) = fixture.Clients();
        var subnets = (await aws.Ec2.DescribeSubnetsAsync()).Select(s => s.SubnetId).ToList();
        var tags = new Dictionary<string, string> { ["grid:job"] = "thin-batch" };
        var environment = await aws.Batch.CreateComputeEnvironmentAsync(new CreateComputeEnvironmentRequest(
            "thin-env", 16, ["c7g.large", "m7g.large"], subnets, [], "grid-worker", tags));
        Assert.EndsWith(":compute-environment/thin-env", environment.Arn, StringComparison.Ordinal);
        await fixture.UntilState(s => s.ComputeEnvironments["thin-env"].Status == "VALID", "VALID");
        var described = Assert.Single(await aws.Batch.DescribeComputeEnvironmentsAsync(["thin-env"]));
        Assert.Equal(("ENABLED", "VALID", "thin-batch"), (described.State, described.Status, described.Tags!["grid:job"]));

        await aws.Batch.CreateJobQueueAsync("thin-queue", 1, [environment.Arn], tags);
        Assert.Single(await aws.Batch.DescribeJobQueuesAsync(["thin-queue"]));
        var definition = await aws.Batch.RegisterJobDefinitionAsync(new RegisterJobDefinitionRequest(
            "thin-def", "127.0.0.1:5999/thin@sha256:00", 2, 1024, ["--grid-worker"], new Dictionary<string, string> { ["GRID_X"] = "1" },
            null, 3600, tags));
        Assert.Equal(1, definition.Revision);
        Assert.Equal("ACTIVE", Assert.Single(await aws.Batch.DescribeJobDefinitionsAsync("thin-def")).Status);

        var job = await aws.Batch.SubmitJobAsync(new SubmitJobRequest("thin-job", "thin-queue", "thin-def", 4,
            new Dictionary<string, string> { ["GRID_HEAD"] = "10.0.0.1:7700" }, tags));
        await fixture.UntilState(s => s.Jobs[job.JobId].Children.All(c => c.Status == "RUNNABLE"), "runnable children");
        var parent = Assert.Single(await aws.Batch.DescribeJobsAsync([job.JobId]));
        Assert.Equal(4, parent.ArrayProperties!.Size);
        Assert.Equal(4, parent.ArrayProperties.StatusSummary!["RUNNABLE"]);
        Assert.Equal(4, (await aws.Batch.ListJobsAsync(null, job.JobId, "RUNNABLE")).Count);
        Assert.Empty(await aws.Batch.ListJobsAsync("thin-queue", null, null)); // only RUNNING jobs without a status

        await aws.Batch.TerminateJobAsync(job.JobId, "teardown");
        Assert.Equal("FAILED", Assert.Single(await aws.Batch.DescribeJobsAsync([job.JobId + ":3"])).Status);

        var refused = await Assert.ThrowsAsync<AwsException>(() => aws.Batch.DeleteComputeEnvironmentAsync("thin-env"));
        Assert.Equal("ClientException", refused.Code);
        await aws.Batch.UpdateJobQueueAsync("thin-queue", "DISABLED");
        await aws.Batch.UpdateComputeEnvironmentAsync("thin-env", "DISABLED");
        await aws.Batch.DeleteJobQueueAsync("thin-queue");
        await aws.Batch.DeregisterJobDefinitionAsync(definition.JobDefinitionArn);
        await fixture.UntilState(s => !s.JobQueues.ContainsKey("thin-queue"), "the queue to go");
        await aws.Batch.DeleteComputeEnvironmentAsync("thin-env");
        await fixture.UntilState(s => !s.ComputeEnvironments.ContainsKey("thin-env"), "the environment to go");
        Assert.Empty(await aws.Batch.DescribeComputeEnvironmentsAsync(["thin-env"]));
    }

    [Fact]
    public async Task WrongSecretOrRegionIsRefusedWithAwsCodes()
    {
        var e = await Assert.ThrowsAsync<AwsException>(() => fixture.Clients(secret: "wrong").Clients.Sts.GetCallerIdentityAsync());
        Assert.Equal(("SignatureDoesNotMatch", HttpStatusCode.Forbidden), (e.Code, e.StatusCode));

        e = await Assert.ThrowsAsync<AwsException>(() => fixture.Clients(region: "eu-west-9").Clients.Ec2.DescribeSubnetsAsync());
        Assert.Equal("SignatureDoesNotMatch", e.Code);
        Assert.Contains("eu-west-9", e.ErrorMessage, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> ImdsGet(Uri imds, string path)
    {
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Put, new Uri(imds, "latest/api/token"));
        tokenRequest.Headers.Add("X-aws-ec2-metadata-token-ttl-seconds", "60");
        using var tokenResponse = await CloudFixture.Http.SendAsync(tokenRequest);
        tokenResponse.EnsureSuccessStatusCode();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(imds, path));
        request.Headers.Add("X-aws-ec2-metadata-token", await tokenResponse.Content.ReadAsStringAsync());
        return await CloudFixture.Http.SendAsync(request);
    }
}

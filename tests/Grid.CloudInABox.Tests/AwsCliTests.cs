using System.Text.Json.Nodes;

namespace Grid.CloudInABox.Tests;

// The emulator answers Debian's aws CLI for every call family Grid uses, and the CLI's parsers accept the
// answers. One class per family, so that xunit runs them side by side: each CLI start takes about 1.5 s here.

/// <summary>STS and ECR through the aws CLI.</summary>
public class AwsCliStsAndEcrTests(CloudFixture fixture) : IClassFixture<CloudFixture>
{
    private readonly AwsCli _aws = new(fixture);

    [Fact]
    public async Task StsGetCallerIdentityNamesTheEmulatedAccount()
    {
        var identity = await _aws.RunAsync("sts", "get-caller-identity");

        Assert.Equal("000000000000", identity!["Account"]!.GetValue<string>());
        Assert.Equal("arn:aws:iam::000000000000:user/grid", identity["Arn"]!.GetValue<string>());
    }

    [Fact]
    public async Task EcrRepositoryLifecycleAndAuthorizationTokenForTheLoopbackRegistry()
    {
        var created = await _aws.RunAsync("ecr", "create-repository", "--repository-name", "cli/tiles",
            "--image-scanning-configuration", "scanOnPush=true", "--tags", "Key=grid:job,Value=cli");
        Assert.Equal("127.0.0.1:5999/cli/tiles", created!["repository"]!["repositoryUri"]!.GetValue<string>());
        Assert.True(created["repository"]!["imageScanningConfiguration"]!["scanOnPush"]!.GetValue<bool>());

        var described = await _aws.RunAsync("ecr", "describe-repositories", "--repository-names", "cli/tiles");
        Assert.Single(described!["repositories"]!.AsArray());

        var policy = """{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}""";
        var put = await _aws.RunAsync("ecr", "put-lifecycle-policy", "--repository-name", "cli/tiles", "--lifecycle-policy-text", policy);
        Assert.Equal("cli/tiles", put!["repositoryName"]!.GetValue<string>());

        var token = await _aws.RunAsync("ecr", "get-authorization-token");
        var data = token!["authorizationData"]![0]!;
        Assert.Equal("AWS:registry-token", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data["authorizationToken"]!.GetValue<string>())));
        Assert.Equal("http://127.0.0.1:5999", data["proxyEndpoint"]!.GetValue<string>());
        Assert.True(DateTimeOffset.Parse(data["expiresAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddHours(11));

        var stderr = await _aws.FailAsync("ecr", "create-repository", "--repository-name", "cli/tiles");
        Assert.Contains("RepositoryAlreadyExistsException", stderr, StringComparison.Ordinal);
        await _aws.RunAsync("ecr", "delete-repository", "--repository-name", "cli/tiles", "--force");
        stderr = await _aws.FailAsync("ecr", "describe-repositories", "--repository-names", "cli/tiles");
        Assert.Contains("RepositoryNotFoundException", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestSignedForAnotherRegionIsRefusedAsAwsRefusesIt()
    {
        var stderr = await _aws.FailAsync("sts", "get-caller-identity", "--region", "eu-west-1");
        Assert.Contains("SignatureDoesNotMatch", stderr, StringComparison.Ordinal);
    }
}

/// <summary>EC2 launch templates, fleets and instances through the aws CLI.</summary>
public class AwsCliEc2FleetTests(CloudFixture fixture) : IClassFixture<CloudFixture>
{
    private readonly AwsCli _aws = new(fixture);

    [Fact]
    public async Task Ec2FleetOfSpotInstancesFromALaunchTemplateIsDescribedAndTerminated()
    {
        var subnets = (await _aws.RunAsync("ec2", "describe-subnets", "--filters", "Name=default-for-az,Values=true"))!["Subnets"]!.AsArray();
        Assert.Equal(3, subnets.Count);
        var subnet = subnets[0]!["SubnetId"]!.GetValue<string>();
        Assert.Matches("^subnet-[0-9a-f]{17}$", subnet);

        var template = await _aws.RunAsync("ec2", "create-launch-template", "--launch-template-name", "cli-workers",
            "--launch-template-data", """{"ImageId":"ami-1","UserData":"IyEvYmluL3NoCg==","MetadataOptions":{"HttpTokens":"required"},"InstanceInitiatedShutdownBehavior":"terminate"}""",
            "--tag-specifications", "ResourceType=launch-template,Tags=[{Key=grid:job,Value=cli}]");
        var templateId = template!["LaunchTemplate"]!["LaunchTemplateId"]!.GetValue<string>();
        Assert.Matches("^lt-[0-9a-f]{17}$", templateId);

        var fleet = await _aws.RunAsync("ec2", "create-fleet", "--type", "instant", "--client-token", "cli-1",
            "--spot-options", "AllocationStrategy=price-capacity-optimized",
            "--launch-template-configs", $"LaunchTemplateSpecification={{LaunchTemplateId={templateId},Version=$Latest}},Overrides=[{{InstanceType=c7g.large,SubnetId={subnet}}},{{InstanceType=m7g.large,SubnetId={subnet}}}]",
            "--target-capacity-specification", "TotalTargetCapacity=2,DefaultTargetCapacityType=spot",
            "--tag-specifications", "ResourceType=instance,Tags=[{Key=grid:job,Value=cli}]");
        Assert.Matches("^fleet-[0-9a-f-]{36}$", fleet!["FleetId"]!.GetValue<string>());
        var ids = fleet["Instances"]![0]!["InstanceIds"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        Assert.Equal(2, ids.Count);
        Assert.All(ids, id => Assert.Matches("^i-[0-9a-f]{17}$", id));

        var instances = (await _aws.RunAsync("ec2", "describe-instances", "--filters", "Name=tag:grid:job,Values=cli"))!["Reservations"]!
            .AsArray().SelectMany(r => r!["Instances"]!.AsArray()).ToList();
        Assert.Equal(ids.Order(), instances.Select(i => i!["InstanceId"]!.GetValue<string>()).Order());
        Assert.All(instances, i => Assert.Equal("spot", i!["InstanceLifecycle"]!.GetValue<string>()));
        Assert.All(instances, i => Assert.Equal("required", i!["MetadataOptions"]!["HttpTokens"]!.GetValue<string>()));

        var fleets = await _aws.RunAsync("ec2", "describe-fleets", "--fleet-ids", fleet["FleetId"]!.GetValue<string>());
        Assert.Equal("active", fleets!["Fleets"]![0]!["FleetState"]!.GetValue<string>());

        var terminated = await _aws.RunAsync(["ec2", "terminate-instances", "--instance-ids", .. ids]);
        Assert.All(terminated!["TerminatingInstances"]!.AsArray(), t => Assert.Equal("shutting-down", t!["CurrentState"]!["Name"]!.GetValue<string>()));
        var deleted = await _aws.RunAsync("ec2", "delete-launch-template", "--launch-template-id", templateId);
        Assert.Equal("cli-workers", deleted!["LaunchTemplate"]!["LaunchTemplateName"]!.GetValue<string>());
        Assert.Empty((await _aws.RunAsync("ec2", "describe-launch-templates", "--filters", "Name=tag:grid:job,Values=cli"))!["LaunchTemplates"]!.AsArray());
    }

}

/// <summary>EC2 security groups and spot prices through the aws CLI.</summary>
public class AwsCliEc2NetworkTests(CloudFixture fixture) : IClassFixture<CloudFixture>
{
    private readonly AwsCli _aws = new(fixture);

    [Fact]
    public async Task Ec2SecurityGroupOpensOnlyToAnotherGroupAndSpotPricesAreListed()
    {
        var head = (await _aws.RunAsync("ec2", "create-security-group", "--group-name", "cli-head", "--description", "grid head",
            "--tag-specifications", "ResourceType=security-group,Tags=[{Key=grid:job,Value=cli-sg}]"))!["GroupId"]!.GetValue<string>();
        var workers = (await _aws.RunAsync("ec2", "create-security-group", "--group-name", "cli-workers", "--description", "grid workers"))!["GroupId"]!.GetValue<string>();
        Assert.Matches("^sg-[0-9a-f]{17}$", head);

        await _aws.RunAsync("ec2", "authorize-security-group-ingress", "--group-id", head,
            "--ip-permissions", $"IpProtocol=tcp,FromPort=7700,ToPort=7700,UserIdGroupPairs=[{{GroupId={workers},Description=workers}}]");
        var groups = (await _aws.RunAsync("ec2", "describe-security-groups", "--filters", "Name=tag:grid:job,Values=cli-sg"))!["SecurityGroups"]!.AsArray();
        var permission = Assert.Single(groups)!["IpPermissions"]![0]!;
        Assert.Equal(7700, permission["FromPort"]!.GetValue<int>());
        Assert.Equal(workers, permission["UserIdGroupPairs"]![0]!["GroupId"]!.GetValue<string>());
        Assert.Empty(permission["IpRanges"]!.AsArray());

        var stderr = await _aws.FailAsync("ec2", "delete-security-group", "--group-id", workers);
        Assert.Contains("DependencyViolation", stderr, StringComparison.Ordinal);
        await _aws.RunAsync("ec2", "delete-security-group", "--group-id", head);
        await _aws.RunAsync("ec2", "delete-security-group", "--group-id", workers);

        var prices = (await _aws.RunAsync("ec2", "describe-spot-price-history", "--instance-types", "c7g.large", "m7g.large",
            "--product-descriptions", "Linux/UNIX", "--start-time", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)))!["SpotPriceHistory"]!.AsArray();
        Assert.Equal(6, prices.Count); // the price in force now, per type and zone
        Assert.All(prices, p => Assert.InRange(decimal.Parse(p!["SpotPrice"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), 0.01m, 0.1m));
    }

}

/// <summary>AWS Batch through the aws CLI.</summary>
public class AwsCliBatchTests(CloudFixture fixture) : IClassFixture<CloudFixture>
{
    private readonly AwsCli _aws = new(fixture);

    [Fact]
    public async Task BatchEnvironmentQueueDefinitionAndArrayJobThenOrderlyTeardown()
    {
        var subnet = (await _aws.RunAsync("ec2", "describe-subnets"))!["Subnets"]![0]!["SubnetId"]!.GetValue<string>();
        var environment = await _aws.RunAsync("batch", "create-compute-environment", "--compute-environment-name", "cli-env", "--type", "MANAGED",
            "--compute-resources", $"type=SPOT,allocationStrategy=SPOT_PRICE_CAPACITY_OPTIMIZED,minvCpus=0,maxvCpus=8,instanceTypes=c7g.large,subnets={subnet},securityGroupIds=sg-1,instanceRole=grid-worker",
            "--tags", "grid:job=cli-batch");
        Assert.Equal("arn:aws:batch:us-east-1:000000000000:compute-environment/cli-env", environment!["computeEnvironmentArn"]!.GetValue<string>());

        await fixture.UntilState(s => s.ComputeEnvironments["cli-env"].Status == "VALID", "the compute environment to be VALID");
        var described = (await _aws.RunAsync("batch", "describe-compute-environments", "--compute-environments", "cli-env"))!["computeEnvironments"]![0]!;
        Assert.Equal("SPOT_PRICE_CAPACITY_OPTIMIZED", described["computeResources"]!["allocationStrategy"]!.GetValue<string>());
        Assert.Equal("cli-batch", described["tags"]!["grid:job"]!.GetValue<string>());

        await _aws.RunAsync("batch", "create-job-queue", "--job-queue-name", "cli-queue", "--priority", "1",
            "--compute-environment-order", "order=1,computeEnvironment=cli-env");
        var definition = await _aws.RunAsync("batch", "register-job-definition", "--job-definition-name", "cli-def", "--type", "container",
            "--container-properties", """{"image":"127.0.0.1:5999/tiles@sha256:00","resourceRequirements":[{"type":"VCPU","value":"1"},{"type":"MEMORY","value":"512"}]}""");
        Assert.Equal(1, definition!["revision"]!.GetValue<int>());

        var job = await _aws.RunAsync("batch", "submit-job", "--job-name", "cli-job", "--job-queue", "cli-queue",
            "--job-definition", "cli-def", "--array-properties", "size=3");
        var jobId = job!["jobId"]!.GetValue<string>();
        var jobs = (await _aws.RunAsync("batch", "describe-jobs", "--jobs", jobId, jobId + ":2"))!["jobs"]!.AsArray();
        Assert.Equal(3, jobs[0]!["arrayProperties"]!["size"]!.GetValue<int>());
        Assert.Equal(2, jobs[1]!["arrayProperties"]!["index"]!.GetValue<int>());
        await fixture.UntilState(s => s.Jobs[jobId].Children.All(c => c.Status == "RUNNABLE"), "3 runnable children");
        Assert.Equal(3, (await _aws.RunAsync("batch", "list-jobs", "--array-job-id", jobId, "--job-status", "RUNNABLE"))!["jobSummaryList"]!.AsArray().Count);

        await _aws.RunAsync("batch", "terminate-job", "--job-id", jobId, "--reason", "test over");
        Assert.Equal("FAILED", (await _aws.RunAsync("batch", "describe-jobs", "--jobs", jobId))!["jobs"]![0]!["status"]!.GetValue<string>());

        await _aws.RunAsync("batch", "update-job-queue", "--job-queue", "cli-queue", "--state", "DISABLED");
        await _aws.RunAsync("batch", "update-compute-environment", "--compute-environment", "cli-env", "--state", "DISABLED");
        await _aws.RunAsync("batch", "delete-job-queue", "--job-queue", "cli-queue");
        await _aws.RunAsync("batch", "deregister-job-definition", "--job-definition", "cli-def:1");
        Assert.Equal("INACTIVE", (await _aws.RunAsync("batch", "describe-job-definitions", "--job-definition-name", "cli-def"))!["jobDefinitions"]![0]!["status"]!.GetValue<string>());
        await fixture.UntilState(s => !s.JobQueues.ContainsKey("cli-queue"), "the queue to be gone");
        await _aws.RunAsync("batch", "delete-compute-environment", "--compute-environment", "cli-env");
    }
}

using Grid.CloudInABox;
using Grid.Tool;
using Grid.Tool.Cloud;

namespace Grid.Cloud.Tests;

/// <summary>The backends against the emulator: what they create, how they survive throttling and refused capacity, and teardown.</summary>
public sealed class ProvisioningTests : IClassFixture<CloudLab>
{
    private readonly CloudLab _lab;

    public ProvisioningTests(CloudLab lab)
    {
        _lab = lab;
    }

    private static Action<string> Log(List<string> lines) => line => { lock (lines) { lines.Add(line); } };

    [Fact]
    public async Task FleetLaunchesTaggedSpotInstancesAndTeardownLeavesNothing()
    {
        var job = _lab.Job("FleetJob", "run-1");
        var log = new List<string>();
        var capacity = new Ec2FleetCapacity(_lab.Clients(), job, TimeProvider.System, Log(log)) ;
        await capacity.PrepareAsync(CancellationToken.None);
        await capacity.RequestAsync(4, CancellationToken.None);

        Assert.Equal(4, capacity.Launched.Count);
        lock (_lab.Cloud.State.Gate)
        {
            var instances = _lab.Cloud.State.Instances.Values.Where(i => i.Tags.GetValueOrDefault(CloudNames.JobTag) == "FleetJob").ToList();
            Assert.Equal(4, instances.Count);
            Assert.All(instances, i => Assert.Equal("FleetJob", i.Tags[CloudNames.JobTag]));
            Assert.All(instances, i => Assert.Equal("spot", i.Lifecycle));
            var template = Assert.Single(_lab.Cloud.State.LaunchTemplates.Values, t => t.Tags.GetValueOrDefault(CloudNames.JobTag) == "FleetJob");
            Assert.Equal("required", template.HttpTokens);
            Assert.Equal("terminate", template.ShutdownBehavior);
            var head = Assert.Single(_lab.Cloud.State.SecurityGroups.Values, g => g.GroupName == job.Names.HeadSecurityGroup);
            var rule = Assert.Single(head.Ingress);
            Assert.Null(rule.Cidr);
            Assert.Equal(7400, rule.FromPort);
        }

        var report = await capacity.TearDownAsync(CancellationToken.None);
        Assert.Empty(report.Failures);
        Assert.Empty(_lab.Leftovers("FleetJob"));
        Assert.Equal(0, (await capacity.TearDownAsync(CancellationToken.None)).Total);
    }

    [Fact]
    public async Task ThrottledEc2CallsStillLaunchEveryWorkerOnce()
    {
        var job = _lab.Job("ThrottledJob", "run-1");
        var faults = _lab.Cloud.Faults;
        _lab.Cloud.Faults = faults with { ThrottleShare = new Dictionary<string, double> { ["EC2"] = 0.3 }, Seed = 7 };
        try
        {
            var capacity = new Ec2FleetCapacity(_lab.Clients(), job, TimeProvider.System, _ => { });
            await capacity.PrepareAsync(CancellationToken.None);
            await capacity.RequestAsync(4, CancellationToken.None);
            await capacity.RequestAsync(2, CancellationToken.None);

            lock (_lab.Cloud.State.Gate)
            {
                Assert.Equal(6, _lab.Cloud.State.Instances.Values.Count(i => i.Tags.GetValueOrDefault(CloudNames.JobTag) == "ThrottledJob"));
                Assert.Equal(2, _lab.Cloud.State.Fleets.Values.Count(f => f.Tags.GetValueOrDefault(CloudNames.JobTag) == "ThrottledJob"));
                Assert.Equal(2, _lab.Cloud.State.SecurityGroups.Values.Count(g => g.Tags.GetValueOrDefault(CloudNames.JobTag) == "ThrottledJob"));
            }

            Assert.Empty((await capacity.TearDownAsync(CancellationToken.None)).Failures);
        }
        finally
        {
            _lab.Cloud.Faults = faults;
        }

        Assert.Empty(_lab.Leftovers("ThrottledJob"));
    }

    [Fact]
    public async Task RefusedCapacityForOneTypeFallsBackToTheOthers()
    {
        var job = _lab.Job("ShortJob", "run-1", types: ["c7g.large", "m7g.large", "c6g.large"]);
        var faults = _lab.Cloud.Faults;
        var noCapacity = new HashSet<string> { "c7g.large" };
        var log = new List<string>();
        var capacity = new Ec2FleetCapacity(_lab.Clients(), job, TimeProvider.System, Log(log));
        await capacity.PrepareAsync(CancellationToken.None);
        _lab.Cloud.Faults = faults with { NoCapacity = noCapacity };
        try
        {
            await capacity.RequestAsync(3, CancellationToken.None);
        }
        finally
        {
            _lab.Cloud.Faults = faults;
        }

        Assert.Equal(3, capacity.Launched.Count);
        Assert.DoesNotContain(capacity.Launched, w => w.InstanceType == "c7g.large");
        await capacity.TearDownAsync(CancellationToken.None);
        Assert.Empty(_lab.Leftovers("ShortJob"));
    }

    [Fact]
    public async Task NoCapacityAnywhereIsGrid7009UnlessOnDemandMayStepIn()
    {
        var faults = _lab.Cloud.Faults;
        _lab.Cloud.Faults = faults with { NoCapacity = new HashSet<string> { "c7g.large", "m7g.large" } };
        try
        {
            var capacity = new Ec2FleetCapacity(_lab.Clients(), _lab.Job("DryJob", "run-1"), TimeProvider.System, _ => { });
            await capacity.PrepareAsync(CancellationToken.None);
            var error = await Assert.ThrowsAsync<Grid.Tool.Diagnostics.GridException>(() => capacity.RequestAsync(2, CancellationToken.None));
            Assert.Equal("GRID7009", error.Code);
            Assert.Contains("InsufficientInstanceCapacity", error.Message, StringComparison.Ordinal);
            await capacity.TearDownAsync(CancellationToken.None);
        }
        finally
        {
            _lab.Cloud.Faults = faults;
        }

        Assert.Empty(_lab.Leftovers("DryJob"));
    }

    [Fact]
    public async Task BatchBackendMakesEnvironmentQueueDefinitionAndArrayJobAndTearsThemDown()
    {
        var job = _lab.Job("BatchJob", "run-1", CloudBackend.Batch);
        var capacity = new BatchCapacity(_lab.Clients(), job, TimeProvider.System, _ => { }) { PollInterval = TimeSpan.FromMilliseconds(50) };
        await capacity.PrepareAsync(CancellationToken.None);
        await capacity.RequestAsync(3, CancellationToken.None);

        lock (_lab.Cloud.State.Gate)
        {
            var environment = Assert.Single(_lab.Cloud.State.ComputeEnvironments.Values, e => e.Tags.GetValueOrDefault(CloudNames.JobTag) == "BatchJob");
            Assert.Equal("VALID", environment.Status);
            var definition = Assert.Single(_lab.Cloud.State.JobDefinitions, d => d.Name == job.Names.JobDefinition);
            var parent = Assert.Single(_lab.Cloud.State.Jobs.Values, j => j.ArraySize == 3);
            Assert.EndsWith("/" + job.Names.JobQueue, parent.JobQueueArn, StringComparison.Ordinal);
            Assert.Contains("--grid-connect", definition.ContainerProperties!["command"]!.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal(job.Names.Job, definition.Tags[CloudNames.JobTag]);
        }

        Assert.Empty((await capacity.TearDownAsync(CancellationToken.None)).Failures);
        Assert.Empty(_lab.Leftovers("BatchJob"));
    }

    [Fact]
    public async Task DownAfterTheHeadDiedMidProvisioningDeletesEverythingAndIsIdempotent()
    {
        // A head that made its groups and template and launched a fleet, then was killed: nothing was torn down.
        var capacity = new Ec2FleetCapacity(_lab.Clients(), _lab.Job("OrphanJob", "run-7"), TimeProvider.System, _ => { });
        await capacity.PrepareAsync(CancellationToken.None);
        await capacity.RequestAsync(3, CancellationToken.None);
        var batch = new BatchCapacity(_lab.Clients(), _lab.Job("OrphanJob", "run-8", CloudBackend.Batch), TimeProvider.System, _ => { }) { PollInterval = TimeSpan.FromMilliseconds(50) };
        await batch.PrepareAsync(CancellationToken.None);
        Assert.NotEmpty(_lab.Leftovers("OrphanJob"));

        string directory = Directory.CreateTempSubdirectory("grid-down-").FullName;
        var output = new ToolOutput();
        int exit = await GridCli.InvokeAsync(["down", "--job", "OrphanJob"], _lab.Context(output, directory));
        Assert.True(exit == 0, output.ToString());
        Assert.Contains("3 instances", output.Out.ToString(), StringComparison.Ordinal);
        Assert.Empty(_lab.Leftovers("OrphanJob"));

        var again = new ToolOutput();
        Assert.Equal(0, await GridCli.InvokeAsync(["down", "--job", "OrphanJob"], _lab.Context(again, directory)));
        Assert.Contains("nothing to delete", again.Out.ToString(), StringComparison.Ordinal);
    }
}

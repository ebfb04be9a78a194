using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Grid.CloudInABox.Tests;

// With a ProcessWorkloadRuntime the emulator's instances run their user data as machines, and its Batch jobs run
// their containers. Everything is driven through Debian's aws CLI, as a user (or Grid) would drive EC2 and Batch.

/// <summary>EC2 instances whose user data really runs.</summary>
public class RunningInstanceTests(WorkloadLab lab) : IClassFixture<WorkloadLab>
{
    private readonly AwsCli _aws = new(() => lab.Cloud, lab.Options);

    /// <summary>The opening lines of the user data Grid generates: the instance id from IMDSv2.</summary>
    private const string Preamble = """
        #!/bin/bash
        set -euo pipefail
        IMDS=${AWS_EC2_METADATA_SERVICE_ENDPOINT:-http://169.254.169.254}
        TOKEN=$(curl -sf -X PUT "$IMDS/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 21600")
        INSTANCE_ID=$(curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/latest/meta-data/instance-id")
        """;

    [Fact]
    public async Task UserDataRunsWithItsInstanceIdFromImdsAndTerminateInstancesKillsIt()
    {
        var output = Output();
        var id = await LaunchAsync("runs", Preamble + $"""

            aws sts get-caller-identity --query Account --output text > "{output}/$INSTANCE_ID.account"
            sleep 600 &
            echo "$$ $!" > "{output}/$INSTANCE_ID.pids"
            echo "$INSTANCE_ID" > "{output}/$INSTANCE_ID.id"
            wait
            """);

        await WorkloadLab.Eventually(() => Task.FromResult(File.Exists($"{output}/{id}.id")), "the user data to write its instance id");
        Assert.Equal(id, (await File.ReadAllTextAsync($"{output}/{id}.id")).Trim());
        Assert.Equal("000000000000", (await File.ReadAllTextAsync($"{output}/{id}.account")).Trim());
        var pids = (await File.ReadAllTextAsync($"{output}/{id}.pids")).Split(' ').Select(int.Parse).ToArray();
        Assert.DoesNotContain(pids, WorkloadLab.Gone);
        await Task.Delay(300);
        Assert.Equal("running", await StateAsync(id));

        await _aws.RunAsync("ec2", "terminate-instances", "--instance-ids", id);

        await WorkloadLab.Eventually(() => Task.FromResult(pids.All(WorkloadLab.Gone)), "the script and its sleep to be killed");
        await WorkloadLab.Eventually(async () => await StateAsync(id) == "terminated", "the instance to be terminated");
    }

    [Fact]
    public async Task AScriptThatShutsDownOrExitsTakesItsInstanceToTerminated()
    {
        var output = Output();
        var shutsDown = await LaunchAsync("shuts-down", Preamble + $"""

            echo "$$" > "{output}/shutdown.pid"
            shutdown -h now
            sleep 600
            """);
        var exits = await LaunchAsync("exits", "#!/bin/bash\necho bye\nexit 3\n");

        await WorkloadLab.Eventually(async () => await StateAsync(shutsDown) == "terminated", "the instance that ran shutdown to be terminated");
        Assert.True(WorkloadLab.Gone(int.Parse(await File.ReadAllTextAsync($"{output}/shutdown.pid"), System.Globalization.CultureInfo.InvariantCulture)));
        await WorkloadLab.Eventually(async () => await StateAsync(exits) == "terminated", "the instance whose script exited to be terminated");
        var reason = (await DescribeAsync(exits))["StateReason"]!["Code"]!.GetValue<string>();
        Assert.Equal("Client.InstanceInitiatedShutdown", reason);
        Assert.Contains("bye", await File.ReadAllTextAsync(Path.Combine(lab.Runtime.WorkloadDirectory("instance", exits), "console.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserDataLogsInPullsAndRunsTheJobImageThroughTheDockerShim()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var registry = lab.Registry;
        var id = await LaunchAsync("docker", Preamble + $"""

            aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin {registry}
            docker pull {lab.Image}
            docker run --rm --network host -e GRID_SPOT_NOTICE=1 -e AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS" -e GRID_WORKER_NAME="$INSTANCE_ID" {lab.Image} bash -c 'echo "worker $GRID_WORKER_NAME $AWS_EC2_METADATA_SERVICE_ENDPOINT" > /dev/tcp/127.0.0.1/{port}'
            shutdown -h now
            """);

        var line = await AcceptLineAsync(listener, TimeSpan.FromSeconds(60), () => Console(id));
        Assert.Equal($"worker {id} {lab.Cloud.ImdsBase}{id}", line);
        await WorkloadLab.Eventually(async () => await StateAsync(id) == "terminated", "the instance to shut down after its container");
        await WorkloadLab.Eventually(async () => (await lab.ContainersAsync($"grid-cloud-instance={id}")).Length == 0, "its containers to be removed");
    }

    [Fact]
    public async Task SpotReclaimGivesTheNoticeOnImdsThenTerminatesTheInstanceAndItsProcesses()
    {
        var output = Output();
        var id = await LaunchAsync("reclaimed", Preamble + $"""

            echo "$$" > "{output}/reclaimed.pid"
            until curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/latest/meta-data/spot/instance-action" > "{output}/notice.json"; do
              sleep 0.2
            done
            sleep 600
            """);
        await WorkloadLab.Eventually(() => Task.FromResult(File.Exists($"{output}/reclaimed.pid")), "the user data to start");
        var pid = int.Parse(await File.ReadAllTextAsync($"{output}/reclaimed.pid"), System.Globalization.CultureInfo.InvariantCulture);

        using var reclaim = await CloudFixture.Http.PostAsync(new Uri(lab.Cloud.Endpoint, $"_grid/reclaim?instance={id}&notice=2"), null);
        Assert.Equal(HttpStatusCode.OK, reclaim.StatusCode);

        await WorkloadLab.Eventually(() => Task.FromResult(new FileInfo($"{output}/notice.json") is { Exists: true, Length: > 0 }), "the script to see the notice");
        Assert.Equal("terminate", JsonNode.Parse(await File.ReadAllTextAsync($"{output}/notice.json"))!["action"]!.GetValue<string>());
        Assert.False(WorkloadLab.Gone(pid), "the machine must run on through its notice");
        await WorkloadLab.Eventually(async () => await StateAsync(id) == "terminated", "the reclaimed instance to be terminated");
        await WorkloadLab.Eventually(() => Task.FromResult(WorkloadLab.Gone(pid)), "the machine's script to be killed");
        Assert.Equal("Server.SpotInstanceTermination", (await DescribeAsync(id))["StateReason"]!["Code"]!.GetValue<string>());
    }

    private string Output() => Directory.CreateDirectory(Path.Combine(lab.StateDirectory, "out-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    /// <summary>A launch template with <paramref name="userData"/> and shutdown behaviour terminate (as Grid sets), and an instant spot fleet of one.</summary>
    private async Task<string> LaunchAsync(string name, string userData)
    {
        var data = new JsonObject
        {
            ["ImageId"] = "ami-1",
            ["UserData"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(userData)),
            ["MetadataOptions"] = new JsonObject { ["HttpTokens"] = "required" },
            ["InstanceInitiatedShutdownBehavior"] = "terminate",
        };
        var template = (await _aws.RunAsync("ec2", "create-launch-template", "--launch-template-name", $"run-{name}", "--launch-template-data", data.ToJsonString()))!
            ["LaunchTemplate"]!["LaunchTemplateId"]!.GetValue<string>();
        var fleet = await _aws.RunAsync("ec2", "create-fleet", "--type", "instant",
            "--launch-template-configs", $"LaunchTemplateSpecification={{LaunchTemplateId={template},Version=$Latest}},Overrides=[{{InstanceType=c7g.large}}]",
            "--target-capacity-specification", "TotalTargetCapacity=1,DefaultTargetCapacityType=spot");
        return fleet!["Instances"]![0]!["InstanceIds"]![0]!.GetValue<string>();
    }

    private async Task<JsonNode> DescribeAsync(string id) =>
        (await _aws.RunAsync("ec2", "describe-instances", "--instance-ids", id))!["Reservations"]![0]!["Instances"]![0]!;

    /// <summary>The instance's state from the emulator's own records (no CLI start per poll).</summary>
    private Task<string> StateAsync(string id)
    {
        lock (lab.Cloud.State.Gate)
        {
            return Task.FromResult(lab.Cloud.State.Instances[id].State);
        }
    }

    private string Console(string id)
    {
        var path = Path.Combine(lab.Runtime.WorkloadDirectory("instance", id), "console.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no console output)";
    }

    /// <summary>Accepts one connection and reads its line; on a timeout, fails with <paramref name="log"/>'s text.</summary>
    internal static async Task<string> AcceptLineAsync(TcpListener listener, TimeSpan timeout, Func<string> log)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var client = await listener.AcceptTcpClientAsync(cancel.Token);
            using var reader = new StreamReader(client.GetStream());
            return (await reader.ReadLineAsync(cancel.Token))?.Trim() ?? "";
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"nothing dialled in {timeout.TotalSeconds} s; output:\n{log()}");
        }
    }
}

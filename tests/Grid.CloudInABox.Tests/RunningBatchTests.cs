using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Grid.CloudInABox.Tests;

/// <summary>Batch jobs whose containers really run (podman, the job definition's image and command).</summary>
public class RunningBatchTests(WorkloadLab lab) : IClassFixture<WorkloadLab>
{
    private readonly AwsCli _aws = new(() => lab.Cloud, lab.Options);

    [Fact]
    public async Task ArrayJobOfThreeRunsEachChildWithItsIndexAndTheParentSucceeds()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var queue = await QueueAsync("array");
        await _aws.RunAsync("batch", "register-job-definition", "--job-definition-name", "array-def", "--type", "container",
            "--container-properties", new JsonObject
            {
                ["image"] = lab.Image,
                ["command"] = new JsonArray("bash", "-c", $"echo \"$AWS_BATCH_JOB_ARRAY_INDEX $AWS_BATCH_JOB_ID $AWS_BATCH_CE_NAME $GREETING\" > /dev/tcp/127.0.0.1/{port}"),
                ["environment"] = new JsonArray(new JsonObject { ["name"] = "GREETING", ["value"] = "from-definition" }),
                ["resourceRequirements"] = new JsonArray(new JsonObject { ["type"] = "VCPU", ["value"] = "1" }),
            }.ToJsonString());

        var jobId = (await _aws.RunAsync("batch", "submit-job", "--job-name", "array-job", "--job-queue", queue, "--job-definition", "array-def",
            "--array-properties", "size=3", "--container-overrides", """{"environment":[{"name":"GREETING","value":"overridden"}]}"""))!["jobId"]!.GetValue<string>();

        var lines = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            lines.Add(await RunningInstanceTests.AcceptLineAsync(listener, TimeSpan.FromSeconds(60), () => Output(jobId)));
        }
        Assert.Equal(["0", "1", "2"], lines.Select(l => l.Split(' ')[0]).Order());
        Assert.All(lines, l => Assert.Equal($"{jobId}:{l.Split(' ')[0]} array-env overridden", string.Join(' ', l.Split(' ').Skip(1))));

        await WorkloadLab.Eventually(async () => await StatusAsync(jobId) == "SUCCEEDED", "the parent to succeed");
        var children = (await _aws.RunAsync("batch", "describe-jobs", "--jobs", $"{jobId}:0", $"{jobId}:1", $"{jobId}:2"))!["jobs"]!.AsArray();
        Assert.All(children, c => Assert.Equal("SUCCEEDED", c!["status"]!.GetValue<string>()));
        Assert.All(children, c => Assert.Equal(0, c!["container"]!["exitCode"]!.GetValue<int>()));
        var parent = (await _aws.RunAsync("batch", "describe-jobs", "--jobs", jobId))!["jobs"]![0]!;
        Assert.Equal(3, parent["arrayProperties"]!["statusSummary"]!["SUCCEEDED"]!.GetValue<int>());
    }

    [Fact]
    public async Task AJobWhoseContainerExitsNonZeroFailsWithItsExitCode()
    {
        var queue = await QueueAsync("fails");
        await _aws.RunAsync("batch", "register-job-definition", "--job-definition-name", "fails-def", "--type", "container",
            "--container-properties", new JsonObject { ["image"] = lab.Image, ["command"] = new JsonArray("bash", "-c", "exit 0") }.ToJsonString());
        var jobId = (await _aws.RunAsync("batch", "submit-job", "--job-name", "fails", "--job-queue", queue, "--job-definition", "fails-def",
            "--container-overrides", """{"command":["bash","-c","echo failing; exit 3"]}"""))!["jobId"]!.GetValue<string>();

        await WorkloadLab.Eventually(async () => await StatusAsync(jobId) is "FAILED" or "SUCCEEDED", "the job to end");
        var job = (await _aws.RunAsync("batch", "describe-jobs", "--jobs", jobId))!["jobs"]![0]!;
        Assert.Equal("FAILED", job["status"]!.GetValue<string>());
        Assert.Equal(3, job["container"]!["exitCode"]!.GetValue<int>());
        Assert.Contains("failing", Output(jobId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TerminateJobStopsItsRunningContainer()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var queue = await QueueAsync("stops");
        // The container dials the test and waits on the connection: it runs until it is stopped.
        await _aws.RunAsync("batch", "register-job-definition", "--job-definition-name", "stops-def", "--type", "container",
            "--container-properties", new JsonObject
            {
                ["image"] = lab.Image,
                ["command"] = new JsonArray("bash", "-c", $"exec 3<>/dev/tcp/127.0.0.1/{port}; echo \"$AWS_BATCH_JOB_ID\" >&3; read -r <&3"),
            }.ToJsonString());
        var jobId = (await _aws.RunAsync("batch", "submit-job", "--job-name", "stops", "--job-queue", queue, "--job-definition", "stops-def"))!["jobId"]!.GetValue<string>();

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var client = await listener.AcceptTcpClientAsync(cancel.Token);
        using var reader = new StreamReader(client.GetStream());
        Assert.Equal(jobId, (await reader.ReadLineAsync(cancel.Token))?.Trim());
        Assert.Equal("RUNNING", await StatusAsync(jobId));
        Assert.Single(await lab.ContainersAsync($"grid-cloud-job={jobId}"));

        await _aws.RunAsync("batch", "terminate-job", "--job-id", jobId, "--reason", "test over");

        // The container's end closes its connection; podman no longer holds it.
        Assert.Null(await reader.ReadLineAsync(cancel.Token));
        await WorkloadLab.Eventually(async () => (await lab.ContainersAsync($"grid-cloud-job={jobId}")).Length == 0, "the container to be removed");
        Assert.Equal("FAILED", await StatusAsync(jobId));
    }

    /// <summary>A SPOT compute environment and a queue on it, both VALID.</summary>
    private async Task<string> QueueAsync(string name)
    {
        var subnet = (await _aws.RunAsync("ec2", "describe-subnets"))!["Subnets"]![0]!["SubnetId"]!.GetValue<string>();
        await _aws.RunAsync("batch", "create-compute-environment", "--compute-environment-name", $"{name}-env", "--type", "MANAGED",
            "--compute-resources", $"type=SPOT,allocationStrategy=SPOT_PRICE_CAPACITY_OPTIMIZED,minvCpus=0,maxvCpus=4,instanceTypes=c7g.large,subnets={subnet},securityGroupIds=sg-1,instanceRole=grid-worker");
        await _aws.RunAsync("batch", "create-job-queue", "--job-queue-name", $"{name}-queue", "--priority", "1",
            "--compute-environment-order", $"order=1,computeEnvironment={name}-env");
        await WorkloadLab.Eventually(() =>
        {
            lock (lab.Cloud.State.Gate)
            {
                return Task.FromResult(lab.Cloud.State.JobQueues[$"{name}-queue"].Status == "VALID" && lab.Cloud.State.ComputeEnvironments[$"{name}-env"].Status == "VALID");
            }
        }, "the environment and queue to be VALID");
        return $"{name}-queue";
    }

    private async Task<string> StatusAsync(string jobId) =>
        (await _aws.RunAsync("batch", "describe-jobs", "--jobs", jobId))!["jobs"]![0]!["status"]!.GetValue<string>();

    private string Output(string jobId)
    {
        var jobs = Path.Combine(lab.StateDirectory, "workloads", "jobs");
        return Directory.Exists(jobs)
            ? string.Join('\n', Directory.GetFiles(jobs, "output.log", SearchOption.AllDirectories).Where(f => f.Contains(jobId, StringComparison.Ordinal)).Select(File.ReadAllText))
            : "(no job output)";
    }
}

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Grid.EndToEnd.Tests;

/// <summary>
/// `dotnet grid run --target aws` end to end against the cloud-in-a-box (eng/cloud-in-a-box.sh with running
/// workloads): the packed tool pushes the published image to the emulator's registry, its instances (or Batch
/// jobs) run the image under podman and dial the head over TLS, one worker is reclaimed with a notice mid-run,
/// and afterwards Debian's aws CLI finds nothing of the job left running.
/// </summary>
[Collection(PackedGridTests.Name)]
public sealed partial class CloudRunTests(PackedGrid grid, ContainerLab lab) : IAsyncLifetime
{
    private const int Tasks = 2000;
    private readonly string _state = Directory.CreateTempSubdirectory("grid-cloud-").FullName;
    private Dictionary<string, string?> _cloud = [];

    public async Task InitializeAsync()
    {
        var start = await Shell.RunAsync("bash", [Path.Combine(PackedGrid.RepositoryRoot, "eng", "cloud-in-a-box.sh"), "start"], _state,
            new Dictionary<string, string?> { ["GRID_STATE_DIR"] = _state, ["GRID_CLOUD_WORKLOADS"] = "run", ["GRID_REGISTRY_PORT"] = "0" }, TimeSpan.FromMinutes(5));
        PackedGrid.Require(start, "eng/cloud-in-a-box.sh start");
        _cloud = LoopbackRegistry.ParseExports(start.Out);
    }

    public async Task DisposeAsync()
    {
        await Shell.RunAsync("bash", [Path.Combine(PackedGrid.RepositoryRoot, "eng", "cloud-in-a-box.sh"), "stop"], _state,
            new Dictionary<string, string?> { ["GRID_STATE_DIR"] = _state }, TimeSpan.FromMinutes(2));
        try
        {
            if (Environment.GetEnvironmentVariable("GRID_KEEP_STATE") == "1")
            {
                return;
            }

            Directory.Delete(_state, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    [Fact]
    public Task Ec2SpotWorkersRunEveryTaskOnceThroughAReclaimAndLeaveNothing() => RunAndCheck("ec2");

    [Fact]
    public Task BatchWorkersRunEveryTaskOnceThroughAReclaimAndLeaveNothing() => RunAndCheck("batch");

    private async Task RunAndCheck(string backend)
    {
        var (job, publish, environment) = await PublishAsync(backend == "ec2" ? "CloudFleet" : "CloudBatch");
        string runId = "cloud-" + backend;
        int port = FreePort();
        var run = Shell.RunAsync("dotnet", ["grid", "run", "--target", "aws", "--backend", backend, "--manifest", publish.ManifestPath, "--tasks", "tasks.jsonl",
            "--workers", "4", "--slots", "2", "--advertise", $"127.0.0.1:{port}", "--run-id", runId], job.Job, environment, TimeSpan.FromMinutes(5));

        // Reclaim one running worker's machine once a fifth of the tasks are in, with a notice longer than the workers' 5 s poll.
        string results = Path.Combine(job.Job, "grid-runs", runId, "results.jsonl");
        string? reclaimed = null;
        while (!run.IsCompleted && reclaimed is null)
        {
            await Task.WhenAny(run, Task.Delay(200));
            if (Committed(results) >= Tasks / 5)
            {
                reclaimed = await ReclaimOneAsync(job.Name, backend);
            }
        }

        var result = await run;
        PackedGrid.Require(result, "dotnet grid run --target aws");
        Assert.NotNull(reclaimed);
        AssertEveryTaskOnce(results);

        // The reclaimed worker drained: its tasks went elsewhere without being charged.
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(job.Job, "grid-runs", runId, "summary.json")))!;
        var unsuccessful = File.ReadLines(Path.Combine(job.Job, "grid-runs", runId, "attempts.jsonl")).Where(l => !l.Contains("\"succeeded\"", StringComparison.Ordinal) && !l.Contains("\"withdrawn\"", StringComparison.Ordinal)).Take(5)
            .Concat(File.ReadLines(Path.Combine(job.Job, "grid-runs", runId, "errors.jsonl")).Take(3));
        Assert.True((int)summary["applicationRetries"]! == 0, $"{summary.ToJsonString()}\n{string.Join('\n', unsuccessful)}");
        Assert.True((int)summary["workersStarted"]! >= 4, summary.ToJsonString());
        Assert.Contains("drained", summary["workerEnds"]!.ToJsonString(), StringComparison.Ordinal);

        // The image is in the registry, by the digest the manifest records (skopeo as the independent client).
        var manifest = publish.Manifest;
        string repository = (string)manifest["image"]!["repository"]!;
        string digest = (string)manifest["image"]!["digest"]!;
        var inspect = await Shell.RunAsync("skopeo", ["inspect", "--tls-verify=false", "--creds", $"{_cloud["GRID_REGISTRY_USER"]}:{_cloud["GRID_REGISTRY_PASSWORD"]}",
            $"docker://{_cloud["GRID_REGISTRY"]}/{repository}@{digest}"], _state, null, TimeSpan.FromMinutes(1));
        PackedGrid.Require(inspect, "skopeo inspect");
        Assert.Equal(digest, (string?)JsonNode.Parse(inspect.Out)!["Digest"]);

        await AssertNothingLeftAsync(job.Name, Path.Combine(job.Job, "grid-runs", runId));
        if (backend == "ec2")
        {
            var cloudJson = JsonNode.Parse(File.ReadAllText(Path.Combine(job.Job, "grid-runs", runId, "cloud.json")))!;
            await CheckCostAsync(Path.Combine(job.Job, "grid-runs", runId), runId, cloudJson, reclaimed);
        }
    }

    [Fact]
    public async Task AHeadKilledMidRunIsResumedAndItsWorkersReattach()
    {
        var (job, publish, environment) = await PublishAsync("CloudResume");
        string runId = "cloud-resume";
        string results = Path.Combine(job.Job, "grid-runs", runId, "results.jsonl");

        // The first head SIGKILLed (with any process under it) once 30 % of the tasks are in.
        using (var head = System.Diagnostics.Process.Start(StartInfo(job.Job, environment, ["dotnet", "grid", "run", "--target", "aws", "--manifest", publish.ManifestPath,
            "--tasks", "tasks.jsonl", "--workers", "4", "--slots", "2", "--advertise", $"127.0.0.1:{FreePort()}", "--run-id", runId]))!)
        {
            var deadline = DateTime.UtcNow.AddMinutes(4);
            while (Committed(results) < Tasks * 3 / 10)
            {
                Assert.False(head.HasExited, "the head finished before it could be killed");
                Assert.True(DateTime.UtcNow < deadline, "the run made no progress");
                await Task.Delay(100);
            }

            head.Kill(entireProcessTree: true);
            await head.WaitForExitAsync();
        }

        var before = CloudRecord(job.Job, runId);
        var launchedBefore = before["launched"]!.AsArray().Select(w => (string)w!["id"]!).ToHashSet();
        Assert.Equal(4, launchedBefore.Count);
        var stillRunning = await Aws("ec2", "describe-instances", "--filters", $"Name=tag:grid:job,Values={job.Name}", "Name=instance-state-name,Values=running");
        Assert.Equal(4, stillRunning["Reservations"]!.AsArray().SelectMany(r => r!["Instances"]!.AsArray()).Count());

        var resume = await Shell.RunAsync("dotnet", ["grid", "run", "--resume", runId], job.Job, environment, TimeSpan.FromMinutes(5));
        PackedGrid.Require(resume, "dotnet grid run --resume");
        AssertEveryTaskOnce(results);

        // The workers of the killed head dialed the new one: no machine was launched for the resumed head.
        var after = CloudRecord(job.Job, runId);
        Assert.Equal(1, (int)after["generation"]!);
        Assert.Equal(launchedBefore, after["launched"]!.AsArray().Select(w => (string)w!["id"]!).ToHashSet());
        var names = File.ReadLines(Path.Combine(job.Job, "grid-runs", runId, "workers.jsonl")).Select(l => (string?)JsonNode.Parse(l)!["location"]).ToList();
        Assert.Contains(names, n => n is not null && launchedBefore.Any(id => n.Contains(id, StringComparison.Ordinal)));
        await AssertNothingLeftAsync(job.Name, Path.Combine(job.Job, "grid-runs", runId));
    }

    [Fact]
    public async Task ThirtyPercentOfTheWorkersSigkilledLoseNoTaskAndRunNoneTwice()
    {
        const int tasks = 10_000;
        var (job, publish, environment) = await PublishAsync("CloudChaos", tasks, ms: 15);
        string runId = "cloud-chaos";
        string results = Path.Combine(job.Job, "grid-runs", runId, "results.jsonl");
        var run = Shell.RunAsync("dotnet", ["grid", "run", "--target", "aws", "--manifest", publish.ManifestPath, "--tasks", "tasks.jsonl",
            "--workers", "6", "--slots", "2", "--advertise", $"127.0.0.1:{FreePort()}", "--run-id", runId], job.Job, environment, TimeSpan.FromMinutes(5));

        // 2 of the 6 workers (30 %) SIGKILLed, each at a random point of the run: the worker process dies, its machine shuts down.
        var random = new Random(Environment.TickCount);
        var killAt = new Queue<int>(new[] { random.Next(5, 40), random.Next(45, 80) }.Select(percent => tasks * percent / 100));
        var killed = new List<string>();
        while (!run.IsCompleted && killAt.Count > 0)
        {
            await Task.WhenAny(run, Task.Delay(100));
            if (Committed(results) >= killAt.Peek() && await KillOneWorkerAsync(killed) is { } instance)
            {
                killed.Add(instance);
                killAt.Dequeue();
            }
        }

        var result = await run;
        PackedGrid.Require(result, "dotnet grid run --target aws (workers killed)");
        Assert.Equal(2, killed.Count);
        var lines = File.ReadAllLines(results).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(tasks, lines.Count);
        Assert.Equal(tasks, lines.Select(l => (string)l["id"]!).Distinct().Count());
        Assert.All(lines, l => Assert.Equal("succeeded", (string?)l["status"]));
        Assert.All(lines, l => Assert.InRange((int)l["attempts"]!, 1, 3));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(job.Job, "grid-runs", runId, "summary.json")))!;
        Assert.True((int)summary["workersLost"]! >= 2, summary.ToJsonString());
        Assert.Equal(0, (int)summary["applicationRetries"]!);
        Assert.Equal(0, (int)summary["notRun"]!);
        await AssertNothingLeftAsync(job.Name, Path.Combine(job.Job, "grid-runs", runId));
    }

    [Fact]
    public async Task AHeadKilledWhileProvisioningLeavesNothingOnceDownHasRun()
    {
        var (job, publish, environment) = await PublishAsync("CloudOrphan", tasks: 200, ms: 1);
        using (var head = System.Diagnostics.Process.Start(StartInfo(job.Job, environment, ["dotnet", "grid", "run", "--target", "aws", "--manifest", publish.ManifestPath,
            "--tasks", "tasks.jsonl", "--workers", "3", "--advertise", $"127.0.0.1:{FreePort()}", "--run-id", "cloud-orphan"]))!)
        {
            // Killed as soon as its fleet has launched: groups, template, fleet and instances exist, nothing is torn down.
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while ((await Aws("ec2", "describe-instances", "--filters", $"Name=tag:grid:job,Values={job.Name}"))["Reservations"]!.AsArray().Count == 0)
            {
                Assert.False(head.HasExited, "the head ended before it launched anything");
                Assert.True(DateTime.UtcNow < deadline, "no instance was launched");
                await Task.Delay(200);
            }

            head.Kill(entireProcessTree: true);
            await head.WaitForExitAsync();
        }

        Assert.NotEmpty((await Aws("ec2", "describe-security-groups", "--filters", $"Name=tag:grid:job,Values={job.Name}"))["SecurityGroups"]!.AsArray());
        var down = await Shell.RunAsync("dotnet", ["grid", "down", "--job", job.Name], job.Job, environment, TimeSpan.FromMinutes(5));
        PackedGrid.Require(down, "dotnet grid down");
        Assert.Contains("security groups", down.Out, StringComparison.Ordinal);
        await AssertNothingLeftAsync(job.Name, runFolder: null);

        var again = await Shell.RunAsync("dotnet", ["grid", "down", "--job", job.Name], job.Job, environment, TimeSpan.FromMinutes(5));
        PackedGrid.Require(again, "dotnet grid down (again)");
        Assert.Contains("nothing to delete", again.Out, StringComparison.Ordinal);
    }

    /// <summary>
    /// SIGKILLs one running worker container of an instance not killed before; returns the instance. (This class's
    /// tests run one at a time, so the machines' worker containers are this run's.)
    /// </summary>
    private async Task<string?> KillOneWorkerAsync(List<string> killed)
    {
        var running = await Shell.RunAsync("podman", ["ps", "--format", "{{.Names}}", "--filter", "name=^grid-worker-i-"], _state, _cloud, TimeSpan.FromMinutes(1));
        foreach (var name in running.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(n => !killed.Contains(n["grid-worker-".Length..])))
        {
            var kill = await Shell.RunAsync("podman", ["kill", "--signal", "KILL", name], _state, _cloud, TimeSpan.FromMinutes(1));
            if (kill.ExitCode == 0)
            {
                return name["grid-worker-".Length..];
            }
        }

        return null;
    }

    private async Task<(JobPublisher Job, JobPublisher.Publish Publish, Dictionary<string, string?> Environment)> PublishAsync(string name, int tasks = Tasks, int ms = 40)
    {
        await lab.EnsureStartedAsync();
        var job = new JobPublisher(grid, lab, await grid.NewJobAsync(name));
        // A handler that takes a little time, so that a worker is reclaimed while tasks are in flight.
        await File.WriteAllTextAsync(Path.Combine(job.Job, "Program.cs"), """
            using System.Text.Json.Nodes;
            using Grid;

            return GridWorker.Run(args, (JsonObject input, TaskContext context) =>
            {
                Thread.Sleep((int)input["ms"]!);
                return new JsonObject { ["n"] = (int)input["n"]! * 2, ["worker"] = Environment.MachineName };
            });
            """);
        var publish = await job.PublishAsync();
        PackedGrid.Require(publish.Result, "dotnet publish -p:PublishGrid=true");
        await File.WriteAllLinesAsync(Path.Combine(job.Job, "tasks.jsonl"), Enumerable.Range(0, tasks).Select(i => $$"""{"id":"t{{i:D5}}","n":{{i}},"ms":{{ms}}}"""));

        var environment = job.Environment();
        foreach (var (variable, value) in _cloud)
        {
            environment[variable] = value;
        }

        return (job, publish, environment);
    }

    private static int Committed(string results) => File.Exists(results) ? File.ReadLines(results).Count() : 0;

    private static void AssertEveryTaskOnce(string results)
    {
        var lines = File.ReadAllLines(results).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(Tasks, lines.Count);
        Assert.Equal(Tasks, lines.Select(l => (string)l["id"]!).Distinct().Count());
        Assert.All(lines, l => Assert.Equal("succeeded", (string?)l["status"]));
    }

    private static JsonNode CloudRecord(string job, string runId) => JsonNode.Parse(File.ReadAllText(Path.Combine(job, "grid-runs", runId, "cloud.json")))!;

    private static System.Diagnostics.ProcessStartInfo StartInfo(string directory, Dictionary<string, string?> environment, string[] command)
    {
        // Output goes to files: a pipe nobody reads would stall the head.
        var start = new System.Diagnostics.ProcessStartInfo("bash", ["-c", "exec \"$@\" >head.out 2>head.err", "bash", .. command]) { WorkingDirectory = directory };
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    /// <summary>Nothing of the job is left running, as the AWS CLI sees it, and teardown reported no failure.</summary>
    private async Task AssertNothingLeftAsync(string job, string? runFolder)
    {
        var instances = await Aws("ec2", "describe-instances", "--filters", $"Name=tag:grid:job,Values={job}",
            "Name=instance-state-name,Values=pending,running,shutting-down,stopping,stopped");
        Assert.Empty(instances["Reservations"]!.AsArray());
        var groups = await Aws("ec2", "describe-security-groups", "--filters", $"Name=tag:grid:job,Values={job}");
        Assert.Empty(groups["SecurityGroups"]!.AsArray());
        var fleets = await Aws("ec2", "describe-fleets", "--filters", $"Name=tag:grid:job,Values={job}");
        Assert.All(fleets["Fleets"]!.AsArray(), f => Assert.StartsWith("deleted", (string)f!["FleetState"]!, StringComparison.Ordinal));
        var environments = await Aws("batch", "describe-compute-environments");
        Assert.DoesNotContain(environments["computeEnvironments"]!.AsArray(), e => ((string)e!["computeEnvironmentName"]!).Contains(job.ToLowerInvariant(), StringComparison.Ordinal));
        var queues = await Aws("batch", "describe-job-queues");
        Assert.DoesNotContain(queues["jobQueues"]!.AsArray(), q => ((string)q!["jobQueueName"]!).Contains(job.ToLowerInvariant(), StringComparison.Ordinal));
        if (runFolder is not null)
        {
            var cloud = JsonNode.Parse(File.ReadAllText(Path.Combine(runFolder, "cloud.json")))!;
            Assert.Empty(cloud["teardownFailures"]!.AsArray());
        }
    }

    /// <summary>
    /// The report's cost section lists, per instance type, the hours of the run's instances (as the AWS CLI sees them,
    /// the reclaimed one included) at the spot price the emulator's price history gives for each one's zone.
    /// </summary>
    private async Task CheckCostAsync(string folder, string runId, JsonNode cloudJson, string reclaimed)
    {
        var seen = (await Aws("ec2", "describe-instances", "--filters", $"Name=tag:grid:run,Values={runId}"))["Reservations"]!.AsArray()
            .SelectMany(r => r!["Instances"]!.AsArray())
            .Select(i => (Id: (string)i!["InstanceId"]!, Type: (string)i["InstanceType"]!, Zone: (string)i["Placement"]!["AvailabilityZone"]!,
                Launched: DateTimeOffset.Parse((string)i["LaunchTime"]!, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Contains(seen, i => i.Id == reclaimed);
        var recorded = cloudJson["instances"]!.AsArray().ToDictionary(i => (string)i!["id"]!, i => i!);
        Assert.Equal(seen.Select(i => i.Id).Order(), recorded.Keys.Order());

        string html = await File.ReadAllTextAsync(Path.Combine(folder, "report.html"));
        var rows = CostRow().Matches(html).ToDictionary(m => m.Groups["type"].Value, m => (
            Hours: double.Parse(m.Groups["hours"].Value, CultureInfo.InvariantCulture),
            Price: decimal.Parse(m.Groups["price"].Value, CultureInfo.InvariantCulture)));
        Assert.Equal(seen.Select(i => i.Type).Distinct().Order(), rows.Keys.Order());
        foreach (var type in seen.GroupBy(i => i.Type))
        {
            decimal hours = 0, amount = 0;
            foreach (var instance in type)
            {
                // The price in force at launch, in the instance's zone; the emulator's history has no later change.
                var history = (await Aws("ec2", "describe-spot-price-history", "--instance-types", type.Key, "--availability-zone", instance.Zone,
                    "--product-descriptions", "Linux/UNIX", "--start-time", instance.Launched.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)))["SpotPriceHistory"]!.AsArray();
                var inForce = history.Select(p => (At: DateTimeOffset.Parse((string)p!["Timestamp"]!, CultureInfo.InvariantCulture), Price: decimal.Parse((string)p["SpotPrice"]!, CultureInfo.InvariantCulture)))
                    .Where(p => p.At <= instance.Launched).MaxBy(p => p.At);
                var life = recorded[instance.Id];
                decimal h = (decimal)(DateTimeOffset.Parse((string)life["ended"]!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)life["launched"]!, CultureInfo.InvariantCulture)).Ticks / TimeSpan.TicksPerHour;
                hours += h;
                amount += h * inForce.Price;
            }

            var row = rows[type.Key];
            Assert.True(row.Hours > 0, $"{type.Key}: {row.Hours} instance-hours");
            Assert.Equal((double)hours, row.Hours, 6);
            Assert.Equal(decimal.Round(amount / hours, 6), row.Price);
        }
    }

    [GeneratedRegex("""<tr data-cost="[^"]*" data-quantity="[^"]*" data-instance-type="(?<type>[^"]+)" data-lifecycle="spot" data-hours="(?<hours>[^"]*)" data-price="(?<price>[^"]*)" """)]
    private static partial Regex CostRow();

    /// <summary>Gives one running spot instance of the job (an EC2 worker, or the Batch host) an interruption notice of 7 s.</summary>
    private async Task<string?> ReclaimOneAsync(string job, string backend)
    {
        var filter = backend == "ec2" ? $"Name=tag:grid:job,Values={job}" : "Name=tag-key,Values=aws:batch:compute-environment";
        var found = await Aws("ec2", "describe-instances", "--filters", filter, "Name=instance-state-name,Values=running");
        var id = found["Reservations"]!.AsArray().SelectMany(r => r!["Instances"]!.AsArray()).Select(i => (string?)i!["InstanceId"]).FirstOrDefault();
        if (id is null)
        {
            return null;
        }

        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri($"{_cloud["GRID_CLOUD_ADMIN"]}reclaim?instance={id}&notice=7"), null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return id;
    }

    /// <summary>Debian's aws CLI pointed at the emulator: the independent check of what exists.</summary>
    private async Task<JsonNode> Aws(params string[] arguments)
    {
        var result = await Shell.RunAsync("/usr/bin/aws", ["--endpoint-url", _cloud["AWS_ENDPOINT_URL"]!, "--output", "json", .. arguments], _state, _cloud, TimeSpan.FromMinutes(1));
        PackedGrid.Require(result, "aws " + string.Join(' ', arguments));
        return JsonNode.Parse(result.Out)!;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}

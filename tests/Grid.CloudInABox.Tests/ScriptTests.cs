using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Grid.CloudInABox.Tests;

/// <summary>eng/cloud-in-a-box.sh gives an environment in which ECR's token opens the loopback registry.</summary>
public class ScriptTests
{
    [Fact]
    public async Task StartPrintsAnEnvironmentWhoseEcrTokenOpensTheRegistryAndStopEndsBoth()
    {
        if (!File.Exists("/usr/bin/docker-registry") || !File.Exists(AwsCli.Path))
        {
            Assert.Fail("the cloud-in-a-box needs docker-registry, awscli and python3-botocore; run: eng/install-deps.sh");
        }
        var root = RepositoryRoot();
        var state = Directory.CreateTempSubdirectory("grid-cloud-");
        var environment = new Dictionary<string, string> { ["GRID_STATE_DIR"] = state.FullName, ["GRID_REGISTRY_PORT"] = "0" };
        try
        {
            var (exit, output) = await RunAsync("bash", [Path.Combine(root, "eng", "cloud-in-a-box.sh"), "start"], environment);
            Assert.True(exit == 0, output);
            var exports = output.Split('\n').Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            foreach (var name in new[] { "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "GRID_REGISTRY", "GRID_CLOUD_IMDS", "GRID_CLOUD_ADMIN" })
            {
                Assert.True(exports.ContainsKey(name), $"{name} missing from: {output}");
            }

            var aws = new Dictionary<string, string>(exports) { ["AWS_CONFIG_FILE"] = "/dev/null", ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null" };
            // Debian's aws-cli 2.9 predates AWS_ENDPOINT_URL (botocore reads it from 1.31 on): pass it as --endpoint-url.
            (exit, output) = await RunAsync(AwsCli.Path, ["--endpoint-url", exports["AWS_ENDPOINT_URL"], "ecr", "get-authorization-token", "--query", "authorizationData[0].[authorizationToken,proxyEndpoint]", "--output", "text"], aws);
            Assert.True(exit == 0, output);
            var fields = output.Trim().Split('\t');
            Assert.Equal($"http://{exports["GRID_REGISTRY"]}", fields[1]);

            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{exports["GRID_REGISTRY"]}/v2/");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", fields[0]);
            using var response = await CloudFixture.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("AWS:", Encoding.UTF8.GetString(Convert.FromBase64String(fields[0])), StringComparison.Ordinal);
        }
        finally
        {
            var (exit, output) = await RunAsync("bash", [Path.Combine(root, "eng", "cloud-in-a-box.sh"), "stop"], environment);
            Assert.True(exit == 0, output);
            state.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task InRunModeAnInstanceRunsItsUserDataAndStopEndsItsProcesses()
    {
        if (!File.Exists("/usr/bin/docker-registry") || !File.Exists(AwsCli.Path) || !File.Exists("/usr/bin/catatonit"))
        {
            Assert.Fail("the cloud-in-a-box's run mode needs docker-registry, awscli, python3-botocore, podman and catatonit; run: eng/install-deps.sh");
        }
        var root = RepositoryRoot();
        var state = Directory.CreateTempSubdirectory("grid-cloud-");
        var environment = new Dictionary<string, string>
        {
            ["GRID_STATE_DIR"] = state.FullName, ["GRID_REGISTRY_PORT"] = "0", ["GRID_CLOUD_WORKLOADS"] = "run",
        };
        var pids = Path.Combine(state.FullName, "pids");
        try
        {
            var (exit, output) = await RunAsync("bash", [Path.Combine(root, "eng", "cloud-in-a-box.sh"), "start"], environment);
            Assert.True(exit == 0, output);
            var exports = output.Split('\n').Where(l => l.StartsWith("export ", StringComparison.Ordinal))
                .Select(l => l["export ".Length..].Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            Assert.True(exports.ContainsKey("CONTAINERS_STORAGE_CONF"), $"podman's settings missing from: {output}");

            var aws = new Dictionary<string, string>(exports) { ["AWS_CONFIG_FILE"] = "/dev/null", ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null" };
            var userData = Convert.ToBase64String(Encoding.UTF8.GetBytes($"#!/bin/bash\nsleep 600 &\necho \"$$ $!\" > {pids}\nwait\n"));
            (exit, output) = await RunAsync(AwsCli.Path, ["--endpoint-url", exports["AWS_ENDPOINT_URL"], "ec2", "create-launch-template",
                "--launch-template-name", "script-run", "--launch-template-data", $"{{\"UserData\":\"{userData}\",\"InstanceInitiatedShutdownBehavior\":\"terminate\"}}",
                "--query", "LaunchTemplate.LaunchTemplateId", "--output", "text"], aws);
            Assert.True(exit == 0, output);
            (exit, output) = await RunAsync(AwsCli.Path, ["--endpoint-url", exports["AWS_ENDPOINT_URL"], "ec2", "create-fleet", "--type", "instant",
                "--launch-template-configs", $"LaunchTemplateSpecification={{LaunchTemplateId={output.Trim()},Version=$Latest}},Overrides=[{{InstanceType=c7g.large}}]",
                "--target-capacity-specification", "TotalTargetCapacity=1,DefaultTargetCapacityType=spot"], aws);
            Assert.True(exit == 0, output);
            await WorkloadLab.Eventually(() => Task.FromResult(new FileInfo(pids) is { Exists: true, Length: > 0 }), "the instance's user data to run");
        }
        finally
        {
            var (exit, output) = await RunAsync("bash", [Path.Combine(root, "eng", "cloud-in-a-box.sh"), "stop"], environment);
            Assert.True(exit == 0, output);
            var running = File.Exists(pids) ? File.ReadAllText(pids).Split(' ').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : [];
            state.Delete(recursive: true);
            Assert.All(running, pid => Assert.True(WorkloadLab.Gone(pid), $"process {pid} outlived the cloud-in-a-box"));
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BatchSdk.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("BatchSdk.sln not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}

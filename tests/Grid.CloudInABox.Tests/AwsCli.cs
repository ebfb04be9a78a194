using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Grid.CloudInABox.Tests;

/// <summary>
/// Debian's aws CLI (aws-cli 2.x, botocore's own models and parsers) run against the emulator: the independent
/// check that the emulator speaks AWS. /usr/bin/aws is used by path; another aws earlier on PATH is ignored.
/// </summary>
public sealed class AwsCli(Func<CloudInABox> cloud, CloudOptions options)
{
    public AwsCli(CloudFixture fixture)
        : this(() => fixture.Cloud, fixture.Options)
    {
    }

    public const string Path = "/usr/bin/aws";

    /// <summary>Runs <c>aws --endpoint-url ... ARGS --output json</c>; returns the parsed JSON (null for no output).</summary>
    public async Task<JsonNode?> RunAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await RunRawAsync(args);
        Assert.True(exit == 0, $"aws {string.Join(' ', args)} exited {exit}: {stderr}");
        return string.IsNullOrWhiteSpace(stdout) ? null : JsonNode.Parse(stdout);
    }

    /// <summary>Runs and expects a failure; returns stderr, where the CLI names the error code.</summary>
    public async Task<string> FailAsync(params string[] args)
    {
        var (exit, _, stderr) = await RunRawAsync(args);
        Assert.True(exit != 0, $"aws {string.Join(' ', args)} should have failed");
        return stderr;
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunRawAsync(string[] args)
    {
        if (!File.Exists(Path))
        {
            Assert.Fail($"{Path} is missing: the aws CLI checks need Debian's awscli and python3-botocore; run: eng/install-deps.sh");
        }
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--endpoint-url");
        start.ArgumentList.Add(cloud().Endpoint.ToString());
        start.ArgumentList.Add("--output");
        start.ArgumentList.Add("json");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["AWS_ACCESS_KEY_ID"] = options.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = options.SecretAccessKey;
        start.Environment["AWS_REGION"] = options.Region;
        start.Environment["AWS_PAGER"] = "";
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}

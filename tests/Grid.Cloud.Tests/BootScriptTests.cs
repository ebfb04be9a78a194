using System.Diagnostics;
using Grid.Tool.Cloud;

namespace Grid.Cloud.Tests;

public sealed class BootScriptTests
{
    private static CloudJob Job => new()
    {
        Names = new CloudNames("TileStats", "20261121-061502-a3f9"),
        Backend = CloudBackend.Ec2,
        Region = "eu-west-1",
        Account = "123456789012",
        Image = $"123456789012.dkr.ecr.eu-west-1.amazonaws.com/tilestats@sha256:{new string('a', 64)}",
        Registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        Architecture = "arm64",
        InstanceTypes = ["c7g.large"],
        VpcId = "vpc-1",
        SubnetIds = ["subnet-1"],
        Workers = 2,
        SlotsPerWorker = 2,
        MachineImage = CloudJob.DefaultMachineImage("arm64"),
        Dial = new WorkerDial("203.0.113.7:7400", new string('c', 64), "tok'en"),
    };

    [Fact]
    public void TheBootScriptIsValidBashAndCarriesNoKeys()
    {
        string script = WorkerCommand.BootScript(Job);
        string path = Path.GetTempFileName();
        File.WriteAllText(path, script);
        using var bash = Process.Start(new ProcessStartInfo("bash", ["-n", path]) { RedirectStandardError = true })!;
        string errors = bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        File.Delete(path);
        Assert.True(bash.ExitCode == 0, errors);

        Assert.Contains("trap 'shutdown -h now' EXIT", script, StringComparison.Ordinal);
        Assert.Contains("aws ecr get-login-password --region eu-west-1", script, StringComparison.Ordinal);
        Assert.Contains("--grid-connect 203.0.113.7:7400", script, StringComparison.Ordinal);
        Assert.Contains("GRID_RUN_TOKEN='tok'\\''en'", script, StringComparison.Ordinal);
        Assert.DoesNotContain("AWS_SECRET_ACCESS_KEY", script, StringComparison.Ordinal);
        Assert.DoesNotContain("AWS_ACCESS_KEY_ID", script, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c7g.large", "arm64")]
    [InlineData("m6gd.xlarge", "arm64")]
    [InlineData("t4g.micro", "arm64")]
    [InlineData("a1.large", "arm64")]
    [InlineData("c6gn.large", "arm64")]
    [InlineData("c7i.large", "amd64")]
    [InlineData("g4dn.xlarge", "amd64")]
    [InlineData("m6a.large", "amd64")]
    public void InstanceTypesKnowTheirArchitecture(string type, string architecture) =>
        Assert.Equal(architecture, InstanceTypes.ArchitectureOf(type));

    [Fact]
    public void NamesAreWhatAwsAccepts()
    {
        var names = new CloudNames("My Tile_Stats.Job!", "20261121-061502-a3f9");
        Assert.Equal("grid-my-tile-stats-job-20261121-061502-a3f9", names.RunName);
        Assert.Matches("^[a-z0-9-]+$", names.ComputeEnvironment);
    }
}

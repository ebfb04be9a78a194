using Grid.Registry;

namespace Grid.Build.Tasks.Tests;

/// <summary>
/// PushGridImage's failures as the build log shows them: the pusher's own GRID71xx codes, and GRID3001 for a login
/// that cannot be read. (The pushes themselves are proven against a real registry by the end-to-end tests.)
/// </summary>
public sealed class PushGridImageTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeBuildEngine _engine = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void PushFailsWithTheRegistryCodeWhenTheArchiveIsMissing()
    {
        using var task = Task(new FixedLogins(null));
        task.ArchivePath = _temp["missing.tar"];

        Assert.False(task.Execute());

        var error = Assert.Single(_engine.Errors);
        Assert.Equal(RegistryErrorCodes.UnsupportedArchive, error.Code);
        Assert.StartsWith("Pushing the image to 127.0.0.1:1/tilestats:latest failed: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PushFailsWithGrid3001WhenTheLoginCannotBeRead()
    {
        using var task = Task(new FixedLogins(new RegistryLoginException("/home/me/.docker/config.json (credHelpers: ecr-login)", "'docker-credential-ecr-login get' exited 1: no AWS credentials")));

        Assert.False(task.Execute());

        var error = Assert.Single(_engine.Errors);
        Assert.Equal("GRID3001", error.Code);
        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("(credHelpers: ecr-login)", error.Message, StringComparison.Ordinal);
        Assert.Contains("no AWS credentials", error.Message, StringComparison.Ordinal);
    }

    private PushGridImage Task(IRegistryLoginSource logins) => new()
    {
        BuildEngine = _engine,
        ArchivePath = _temp["image.tar"],
        Registry = "127.0.0.1:1",
        Repository = "tilestats",
        Tag = "latest",
        Logins = logins,
        ClientOptions = new RegistryClientOptions { MaxAttempts = 1 },
    };

    private sealed class FixedLogins(RegistryLoginException? failure) : IRegistryLoginSource
    {
        public RegistryLogin? Find(string registry) => failure is null ? null : throw failure;
    }
}

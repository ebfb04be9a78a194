using System.Text;

namespace Grid.Build.Tasks.Tests;

/// <summary>
/// The push login, looked up where the .NET SDK looks: its variables, then the Docker config file's credHelpers, auths
/// and credsStore, with credential helpers as real programs on a PATH of the test's own.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the fake helpers are shell scripts
public sealed class DockerLoginSourceTests : IDisposable
{
    private const string Registry = "127.0.0.1:5000";

    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string?> _environment = [];

    public DockerLoginSourceTests()
    {
        // A home of the test's own: the machine's ~/.docker/config.json must play no part.
        Directory.CreateDirectory(_temp["home"]);
        Directory.CreateDirectory(_temp["bin"]);
        _environment["HOME"] = _temp["home"];
        _environment["PATH"] = _temp["bin"];
    }

    public void Dispose() => _temp.Dispose();

    private DockerLoginSource Source => new(name => _environment.GetValueOrDefault(name));

    [Fact]
    public void AnAuthsEntryGivesTheUserAndPasswordEncodedInIt()
    {
        WriteConfig($$$$"""{"auths": {"other.example:5000": {"auth": "{{{{Base64("x:y")}}}}"}, "{{{{Registry}}}}": {"auth": "{{{{Base64("AWS:pa:ss")}}}}"}}}""");

        var login = Source.Find(Registry)!;

        Assert.Equal("AWS", login.Credentials.UserName);
        Assert.Equal("pa:ss", login.Credentials.Password);
        Assert.Equal(Path.Combine(_temp["docker"], "config.json") + " (auths)", login.Source);
    }

    [Fact]
    public void AnAuthsEntryKeyedByUrlWithUserNameAndPasswordIsFound()
    {
        WriteConfig($$$$"""{"auths": {"https://{{{{Registry}}}}/v1/": {"username": "robot", "password": "token"}}}""");

        var login = Source.Find(Registry)!;

        Assert.Equal(("robot", "token"), (login.Credentials.UserName, login.Credentials.Password));
    }

    [Fact]
    public void TheHomeDockerConfigIsReadWhenDockerConfigIsNotSet()
    {
        Directory.CreateDirectory(Path.Combine(_temp["home"], ".docker"));
        File.WriteAllText(Path.Combine(_temp["home"], ".docker", "config.json"), $$$$"""{"auths": {"{{{{Registry}}}}": {"auth": "{{{{Base64("home:pw")}}}}"}}}""");

        Assert.Equal("home", Source.Find(Registry)!.Credentials.UserName);
    }

    [Fact]
    public void ACredHelperOnPathIsAskedWithTheRegistryOnStdin()
    {
        string asked = Helper("fake", """echo '{"ServerURL":"127.0.0.1:5000","Username":"AWS","Secret":"from-helper"}'""");
        WriteConfig($$$$"""{"auths": {"{{{{Registry}}}}": {"auth": "{{{{Base64("ignored:ignored")}}}}"}}, "credHelpers": {"{{{{Registry}}}}": "fake"}}""");

        var login = Source.Find(Registry)!;

        Assert.Equal(("AWS", "from-helper"), (login.Credentials.UserName, login.Credentials.Password));
        Assert.Equal(Registry, File.ReadAllText(asked));
        Assert.EndsWith("(credHelpers: fake)", login.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void TheCredsStoreIsAskedWhenTheAuthsEntryHoldsNoSecret()
    {
        Helper("store", """echo '{"ServerURL":"127.0.0.1:5000","Username":"me","Secret":"from-store"}'""");
        WriteConfig($$$$"""{"auths": {"{{{{Registry}}}}": {}}, "credsStore": "store"}""");

        var login = Source.Find(Registry)!;

        Assert.Equal(("me", "from-store"), (login.Credentials.UserName, login.Credentials.Password));
    }

    [Fact]
    public void ARegistryWithNoEntryHasNoLogin()
    {
        WriteConfig("""{"auths": {"other.example:5000": {"auth": "eDp5"}}, "credHelpers": {"other.example:5000": "missing"}}""");

        Assert.Null(Source.Find(Registry));
    }

    [Fact]
    public void NoConfigFileMeansNoLogin()
    {
        _environment["DOCKER_CONFIG"] = _temp["nowhere"];

        Assert.Null(Source.Find(Registry));
    }

    [Fact]
    public void AHelperThatHoldsNothingForTheRegistryMeansNoLogin()
    {
        Helper("empty", "echo 'credentials not found in native keychain'; exit 1");
        WriteConfig("""{"credsStore": "empty"}""");

        Assert.Null(Source.Find(Registry));
    }

    [Fact]
    public void AFailingHelperIsAnErrorNamingTheHelperAndItsOutput()
    {
        Helper("broken", "echo 'no AWS credentials' >&2; exit 3");
        WriteConfig($$$$"""{"credHelpers": {"{{{{Registry}}}}": "broken"}}""");

        var error = Assert.Throws<RegistryLoginException>(() => Source.Find(Registry));

        Assert.Contains("(credHelpers: broken)", error.Where, StringComparison.Ordinal);
        Assert.Contains("exited 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("no AWS credentials", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHelperMissingFromPathIsAnError()
    {
        WriteConfig($$$$"""{"credHelpers": {"{{{{Registry}}}}": "absent"}}""");

        var error = Assert.Throws<RegistryLoginException>(() => Source.Find(Registry));

        Assert.Contains("'docker-credential-absent' is not on PATH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSdksVariablesComeBeforeTheConfigFilePushOnesFirst()
    {
        WriteConfig($$$$"""{"auths": {"{{{{Registry}}}}": {"auth": "{{{{Base64("file:pw")}}}}"}}}""");
        _environment["DOTNET_CONTAINER_REGISTRY_UNAME"] = "generic";
        _environment["DOTNET_CONTAINER_REGISTRY_PWORD"] = "pw1";

        Assert.Equal("generic", Source.Find(Registry)!.Credentials.UserName);

        _environment["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "push";
        _environment["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = "pw2";
        var login = Source.Find(Registry)!;

        Assert.Equal(("push", "pw2"), (login.Credentials.UserName, login.Credentials.Password));
        Assert.Equal("DOTNET_CONTAINER_PUSH_REGISTRY_UNAME", login.Source);
    }

    [Fact]
    public void AnUnreadableConfigFileIsAnError()
    {
        WriteConfig("{ not json");

        var error = Assert.Throws<RegistryLoginException>(() => Source.Find(Registry));

        Assert.Contains("cannot be read as JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:5000", "127.0.0.1:5000")]
    [InlineData("https://123456789012.dkr.ecr.us-east-1.amazonaws.com", "123456789012.dkr.ecr.us-east-1.amazonaws.com")]
    [InlineData("http://localhost:5000/v2/", "localhost:5000")]
    [InlineData("docker.io", "index.docker.io")]
    [InlineData("https://index.docker.io/v1/", "index.docker.io")]
    public void RegistriesAndConfigKeysCompareAsHosts(string registryOrKey, string host) =>
        Assert.Equal(host, DockerLoginSource.Host(registryOrKey));

    private void WriteConfig(string json)
    {
        Directory.CreateDirectory(_temp["docker"]);
        File.WriteAllText(Path.Combine(_temp["docker"], "config.json"), json);
        _environment["DOCKER_CONFIG"] = _temp["docker"];
    }

    // docker-credential-NAME in the test's PATH folder: it keeps what it read on stdin beside itself, then runs body.
    private string Helper(string name, string body)
    {
        string path = Path.Combine(_temp["bin"], "docker-credential-" + name);
        string asked = path + ".stdin";
        File.WriteAllText(path, $"#!/bin/sh\n[ \"$1\" = get ] || exit 9\ncat > '{asked}'\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return asked;
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}

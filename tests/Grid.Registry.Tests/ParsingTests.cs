using Grid.Registry.Http;

namespace Grid.Registry.Tests;

/// <summary>WWW-Authenticate challenges, upload Locations and registry addresses.</summary>
public sealed class ParsingTests
{
    [Fact]
    public void BasicChallengeOfHtpasswdAndEcr()
    {
        var challenge = Assert.Single(WwwAuthenticate.Parse("Basic realm=\"https://123456789012.dkr.ecr.us-east-1.amazonaws.com/\",service=\"ecr.amazonaws.com\""));
        Assert.Equal("Basic", challenge.Scheme);
        Assert.Equal("https://123456789012.dkr.ecr.us-east-1.amazonaws.com/", challenge["realm"]);
        Assert.Equal("ecr.amazonaws.com", challenge["SERVICE"]);
    }

    [Fact]
    public void BearerChallengeWithScopeHoldingCommas()
    {
        var challenge = Assert.Single(WwwAuthenticate.Parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:samalba/my-app:pull,push\""));
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("https://auth.docker.io/token", challenge["realm"]);
        Assert.Equal("registry.docker.io", challenge["service"]);
        Assert.Equal("repository:samalba/my-app:pull,push", challenge["scope"]);
    }

    [Fact]
    public void SeveralChallengesTokensAndEscapes()
    {
        var challenges = WwwAuthenticate.Parse("Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=simple ,Bearer");
        Assert.Equal(["Newauth", "Basic", "Bearer"], challenges.Select(c => c.Scheme));
        Assert.Equal("1", challenges[0]["type"]);
        Assert.Equal("Login to \"apps\"", challenges[0]["title"]);
        Assert.Equal("simple", challenges[1]["realm"]);
        Assert.Empty(challenges[2].Parameters);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Basic realm=\"unterminated")]
    [InlineData("Negotiate abc==")]
    [InlineData("=\"\",,,")]
    public void MalformedHeadersDoNotThrow(string header) => _ = WwwAuthenticate.Parse(header);

    [Fact]
    public void RandomHeadersNeverThrowOrHang()
    {
        var random = new Random(7101);
        const string alphabet = "Bearer Basic realm=\"\\,= \t;abc:/";
        for (int i = 0; i < 20_000; i++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 60)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var challenges = WwwAuthenticate.Parse(text);
            Assert.True(challenges.Count <= text.Length);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/v2/r/blobs/uploads/", "/v2/r/blobs/uploads/u1?_state=abc", "http://127.0.0.1:5000/v2/r/blobs/uploads/u1?_state=abc")]
    [InlineData("https://r.test/v2/r/blobs/uploads/", "https://upload.r.test/u1?part=2", "https://upload.r.test/u1?part=2")]
    [InlineData("https://r.test/v2/r/blobs/uploads/u1", "u2", "https://r.test/v2/r/blobs/uploads/u2")]
    public void LocationsResolveAgainstTheRequest(string request, string location, string expected) =>
        Assert.Equal(new Uri(expected), UploadLocation.Resolve(new Uri(request), location));

    [Fact]
    public void MissingLocationFailsWithGrid7107() =>
        Assert.Equal("GRID7107", Assert.Throws<RegistryException>(() => UploadLocation.Resolve(new Uri("https://r.test/v2/"), "")).Code);

    [Theory]
    [InlineData("https://r.test/u1?_state=abc", "https://r.test/u1?_state=abc&digest=sha256%3A00")]
    [InlineData("https://r.test/u1", "https://r.test/u1?digest=sha256%3A00")]
    public void DigestIsAddedToTheRegistrysQuery(string location, string expected) =>
        Assert.Equal(expected, UploadLocation.WithQuery(new Uri(location), "digest", "sha256:00").AbsoluteUri);

    [Theory]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/", "127.0.0.1:5000")]
    [InlineData("localhost:5000", "http://localhost:5000/", "localhost:5000")]
    [InlineData("http://127.0.0.1:5000/", "http://127.0.0.1:5000/", "127.0.0.1:5000")]
    [InlineData("123456789012.dkr.ecr.us-east-1.amazonaws.com", "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/", "123456789012.dkr.ecr.us-east-1.amazonaws.com")]
    [InlineData("https://registry.test:8443", "https://registry.test:8443/", "registry.test:8443")]
    public void AddressesResolveToHttpsExceptLoopback(string registry, string baseUri, string name)
    {
        var endpoint = RegistryEndpoint.Parse(registry);
        Assert.Equal(new Uri(baseUri), endpoint.BaseUri);
        Assert.Equal(name, endpoint.Name);
    }

    [Theory]
    [InlineData("http://registry.test")]
    [InlineData("http://10.0.0.5:5000")]
    [InlineData("ftp://registry.test")]
    [InlineData("https://registry.test/path")]
    [InlineData("")]
    public void PlainHttpOffLoopbackAndNonAddressesFailWithGrid7106(string registry) =>
        Assert.Equal("GRID7106", Assert.Throws<RegistryException>(() => RegistryEndpoint.Parse(registry)).Code);
}

namespace Grid.Registry.Tests;

/// <summary>
/// Two real registries on loopback, both with ECR-style htpasswd auth (user AWS and a token of their own), started by
/// eng/registry.sh; and skopeo as the independent client that checks what was pushed.
/// </summary>
public sealed class RegistryLab : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("grid-registry-tests-").FullName;

    public LoopbackRegistry First { get; private set; } = null!;

    public LoopbackRegistry Second { get; private set; } = null!;

    public string Work => Path.Combine(_root, "work");

    public async Task InitializeAsync()
    {
        if (!File.Exists("/usr/bin/skopeo"))
        {
            throw new InvalidOperationException("skopeo is not installed; run: eng/install-deps.sh");
        }

        Directory.CreateDirectory(Work);
        First = await LoopbackRegistry.StartAsync(Directory.CreateDirectory(Path.Combine(_root, "first")).FullName, auth: true);
        Second = await LoopbackRegistry.StartAsync(Directory.CreateDirectory(Path.Combine(_root, "second")).FullName, auth: true);
    }

    public async Task DisposeAsync()
    {
        if (First is not null)
        {
            await First.DisposeAsync();
        }

        if (Second is not null)
        {
            await Second.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static RegistryCredentials Credentials(LoopbackRegistry registry) => new(registry.User!, registry.Password!);

    public static RegistryTarget Target(LoopbackRegistry registry, string repository, string tag = "v1") =>
        new(registry.Address, repository, tag, Credentials(registry));

    public string NewPath(string name) => Path.Combine(Work, $"{Guid.NewGuid():N}-{name}");

    /// <summary>skopeo with the registry's login over plain HTTP; fails the test when skopeo fails.</summary>
    public async Task<string> SkopeoAsync(LoopbackRegistry? registry, params string[] arguments)
    {
        var all = new List<string> { arguments[0] };
        if (registry is not null)
        {
            all.AddRange(["--creds", $"{registry.User}:{registry.Password}"]);
        }

        all.AddRange(arguments.Skip(1));
        var result = await Shell.RunAsync("skopeo", all, Work, timeout: TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"skopeo {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.All}");
        return result.Out;
    }
}

[CollectionDefinition(Name)]
public sealed class RegistryLabTests : ICollectionFixture<RegistryLab>
{
    public const string Name = "registry lab";
}

using Grid.Aws;
using Grid.Aws.Core;

namespace Grid.CloudInABox.Tests;

/// <summary>One emulator per test class, in-process on a free loopback port, with quick state transitions.</summary>
public sealed class CloudFixture : IAsyncLifetime
{
    public CloudInABox Cloud { get; private set; } = null!;

    public CloudOptions Options { get; } = new()
    {
        InstanceTransition = TimeSpan.FromMilliseconds(50),
        BatchTransition = TimeSpan.FromMilliseconds(50),
        RegistryEndpoint = "http://127.0.0.1:5999",
        RegistryPassword = "registry-token",
    };

    public async Task InitializeAsync() => Cloud = await CloudInABox.StartAsync(Options);

    public async Task DisposeAsync() => await Cloud.DisposeAsync();

    /// <summary>Grid's clients pointed at the emulator through AWS_ENDPOINT_URL, as a user would point them.</summary>
    public (AwsClients Clients, List<TimeSpan> Waits) Clients(string? secret = null, string? region = null)
    {
        var waits = new List<TimeSpan>();
        var options = new AwsClientOptions
        {
            Region = region ?? Options.Region,
            Credentials = new StaticCredentialSource(new AwsCredentials(Options.AccessKeyId, secret ?? Options.SecretAccessKey)),
            Environment = name => name == "AWS_ENDPOINT_URL" ? Cloud.Endpoint.ToString() : null,
            // Record the waits and do not sleep: throttling tests stay fast.
            Delay = (delay, _) => { lock (waits) { waits.Add(delay); } return Task.CompletedTask; },
        };
        return (AwsClients.Create(Http, options), waits);
    }

    public static readonly HttpClient Http = new();

    /// <summary>Polls the emulator's own state (no AWS call) until <paramref name="condition"/> holds.</summary>
    public Task UntilState(Func<State.CloudState, bool> condition, string what) => Eventually(() =>
    {
        lock (Cloud.State.Gate)
        {
            Cloud.State.Advance(Cloud.State.Options.Time.GetUtcNow());
            return Task.FromResult(condition(Cloud.State));
        }
    }, what);

    /// <summary>Polls until <paramref name="condition"/> holds (the emulator moves states every 50 ms).</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }
            await Task.Delay(25);
        }
    }
}

using System.Net;
using Grid.CloudInABox.Apis;
using Grid.CloudInABox.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Grid.CloudInABox;

/// <summary>
/// The emulator: one Kestrel server on 127.0.0.1 answering EC2 and STS (query, routed by Action), ECR (JSON 1.1,
/// routed by X-Amz-Target), Batch (REST-JSON, routed by /v1/ path), each instance's IMDSv2 under /imds/ and the
/// test knobs under /_grid/. Start it in-process (tests) or through Program (eng/cloud-in-a-box.sh).
/// </summary>
public sealed class CloudInABox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _clock;

    private CloudInABox(WebApplication app, CloudState state, Router router)
    {
        _app = app;
        State = state;
        Router = router;
    }

    public CloudState State { get; }

    internal Router Router { get; }

    /// <summary>The AWS endpoint: <c>http://127.0.0.1:PORT/</c>, for AWS_ENDPOINT_URL.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The base of every instance's IMDS: append the instance id and a slash.</summary>
    public Uri ImdsBase => new(Endpoint, "imds/");

    /// <summary>The faults in force; tests may replace them between calls.</summary>
    public FaultSettings Faults
    {
        get => Router.Faults;
        set => Router.Faults = value;
    }

    public static async Task<CloudInABox> StartAsync(CloudOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var state = new CloudState(options);
        var router = new Router(state, options.Faults);
        app.Run(router.HandleAsync);
        var cloud = new CloudInABox(app, state, router);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        cloud.Endpoint = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        state.ImdsBase = cloud.ImdsBase.ToString();
        state.Endpoint = cloud.Endpoint.ToString();
        cloud._clock = cloud.ClockAsync(cloud._stopping.Token);
        return cloud;
    }

    /// <summary>Every 100 ms: advance time-driven states, then run the queued workload-runtime calls outside the lock.</summary>
    private async Task ClockAsync(CancellationToken cancellationToken)
    {
        var time = State.Options.Time;
        while (!cancellationToken.IsCancellationRequested)
        {
            List<Func<IWorkloadRuntime, CancellationToken, Task>> calls;
            lock (State.Gate)
            {
                State.Advance(time.GetUtcNow());
                calls = [.. State.RuntimeCalls];
                State.RuntimeCalls.Clear();
            }
            foreach (var call in calls)
            {
                try
                {
                    await call(State.Options.Runtime, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    await Console.Error.WriteLineAsync($"cloud-in-a-box: workload runtime failed: {e.Message}");
                }
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) =>
        Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(_app, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_clock is not null)
        {
            await _clock;
        }
        // Nothing the emulator started outlives it: scripts, their containers, Batch jobs' containers.
        await State.Options.Runtime.StopAllAsync(CancellationToken.None);
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}

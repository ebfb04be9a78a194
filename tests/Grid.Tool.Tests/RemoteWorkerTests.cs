using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Grid.Protocol;
using Grid.Protocol.Messages;
using Grid.Tool.Backends;
using Grid.Tool.Head;

namespace Grid.Tool.Tests;

/// <summary>Workers that dial the head over loopback TLS: real test-job processes and a real <see cref="RemoteWorkerPool"/>.</summary>
public sealed class RemoteWorkerTests
{
    [Fact]
    public async Task EveryTaskRunsExactlyOnceOverWorkersThatDialTheHeadOverTls()
    {
        using var run = new ToolRun();
        await using var dial = new DialRun(run);

        var statistics = await dial.RunAsync(DialRun.Tasks(600), workers: 3);

        Assert.True(statistics.Succeeded == 600, string.Join('\n', dial.Notices));
        AssertEachTaskOnce(dial, 600);
        Assert.Equal(0, dial.Pool.Refused);
        Assert.True(dial.Pool.Admitted >= 3);
        var workers = File.ReadAllLines(dial.Folder.Workers).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Contains(workers, w => ((string)w["location"]!).Contains("dial-", StringComparison.Ordinal));
        await dial.DisposeAsync();
        AssertWorkersExitedCleanly(dial);
    }

    [Fact]
    public async Task ConnectionsWithAWrongTokenGetGrid6009AndTheRunStillCompletes()
    {
        using var run = new ToolRun();
        await using var dial = new DialRun(run);

        // One stray is refused by the pool at admission; the other, handed straight to the scheduler, by its Hello check.
        var stray = PresentAsync(dial.Pool.Endpoint.Port, dial.Pin, new Hello(1, 1, 1, 7, "stray", "test", "not-the-token"));
        var launcher = new FirstIsFakeLauncher(dial.Pool, async (fake, ct) =>
        {
            await fake.SendAsync(new Hello(1, 1, 1, 8, "impostor", "test", "not-the-token-either"));
            var goodbye = await fake.ReceiveAsync<Goodbye>(ct);
            Assert.Equal(ProtocolErrors.BadToken, goodbye.Code);
        });
        var statistics = await dial.RunAsync(DialRun.Tasks(300), workers: 3, launcher);

        Assert.Equal(300, statistics.Succeeded);
        Assert.Null(statistics.AbortReason);
        AssertEachTaskOnce(dial, 300);
        var answer = await stray;
        Assert.Equal(ProtocolErrors.BadToken, Assert.IsType<Goodbye>(answer).Code);
        Assert.True(dial.Pool.Refused >= 1);
        Assert.Contains(dial.Notices, n => n.Contains("GRID6021", StringComparison.Ordinal) && n.Contains("GRID6009", StringComparison.Ordinal));
        Assert.Contains(ProtocolErrors.BadToken, File.ReadAllText(dial.Folder.WorkerLog(launcher.FakeId!)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientsThatSpeakNoTlsOrStaySilentDoNotStallThePool()
    {
        using var run = new ToolRun();

        // Admission is given far longer than the run takes: the run can finish only if the pool admits workers
        // while these clients still hold their connections.
        await using var dial = new DialRun(run, options: new RemoteWorkerPoolOptions { AdmissionTimeout = TimeSpan.FromMinutes(10) });
        var clients = new List<TcpClient>();
        for (int i = 0; i < 5; i++)
        {
            var client = new TcpClient();
            await client.ConnectAsync(dial.Pool.Endpoint);
            clients.Add(client);
        }

        await clients[0].GetStream().WriteAsync("GET / HTTP/1.1\r\nHost: head\r\n\r\n"u8.ToArray());
        await clients[1].GetStream().WriteAsync(new byte[] { 0x16, 0x03, 0x01, 0x00 });

        var statistics = await dial.RunAsync(DialRun.Tasks(200), workers: 3);

        Assert.Equal(200, statistics.Succeeded);
        AssertEachTaskOnce(dial, 200);
        Assert.True(dial.Pool.Refused >= 1, "the HTTP client was not refused");
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [Fact]
    public async Task WorkerPinningAnotherCertificateRefusesToConnectAndExitsWithItsCode()
    {
        using var run = new ToolRun();
        await using var dial = new DialRun(run);
        string wrongPin = new('0', 64);
        var start = new ProcessStartInfo(Build.JobProject.DotnetHost)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[TestJob.Assembly, "--grid-worker", "--grid-connect", $"127.0.0.1:{dial.Pool.Endpoint.Port}", "--grid-pin", wrongPin])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GRID_RUN_TOKEN"] = dial.Token;
        start.Environment["GRID_HEAD_SILENCE_SECONDS"] = "2";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(6, process.ExitCode);
        Assert.Contains($"not the pinned {wrongPin}", await stderr, StringComparison.Ordinal);
        Assert.Equal(0, dial.Pool.Admitted);
    }

    [Fact]
    public async Task SpotNoticeDrainsAWorkerAndItsTasksRunElsewhereWithoutCharge()
    {
        using var run = new ToolRun();
        using var imds = new FakeImds();
        await using var dial = new DialRun(run, new Dictionary<string, string>
        {
            ["GRID_SPOT_NOTICE"] = "1",
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.Endpoint,
        });

        // At least 1000 × 50 ms over 6 slots: the run outlasts the notice, which comes at the second poll (5 s).
        // One attempt per task: a withdrawn attempt charged to a task would fail it.
        var statistics = await dial.RunAsync(DialRun.Tasks(1000, ",\"sleepMs\":50"), workers: 3, configure: o => o with { MaxAttempts = 1 });

        Assert.True(imds.NoticesServed >= 1, "no notice was served");
        Assert.Equal(1000, statistics.Succeeded);
        Assert.Equal(0, statistics.ApplicationRetries);
        Assert.Equal(1, statistics.WorkerEnds.GetValueOrDefault(WorkerEnds.Drained));
        Assert.Equal(0, statistics.WorkersLost);
        AssertEachTaskOnce(dial, 1000);
        var withdrawn = File.ReadAllLines(dial.Folder.Attempts).Select(l => JsonNode.Parse(l)!).Where(a => (string?)a["outcome"] == "withdrawn").ToList();
        Assert.NotEmpty(withdrawn);
        Assert.All(withdrawn, a => Assert.Equal(WorkerEnds.Drained, (string?)a["cause"]));
        Assert.Contains(dial.Notices, n => n.Contains($"spot interruption: {imds.Action} at", StringComparison.Ordinal));
        await dial.DisposeAsync();
        AssertWorkersExitedCleanly(dial);
    }

    [Fact]
    public async Task WorkerWhoseConnectionIsCutRedialsAndTheRunCompletesWithoutDuplicates()
    {
        using var run = new ToolRun();
        await using var dial = new DialRun(run);
        var launcher = new RecordingLauncher(dial.Pool);
        RemoteWorkerHandle? cut = null;

        var statistics = await dial.RunAsync(DialRun.Tasks(600, ",\"sleepMs\":10"), workers: 3, launcher, onProgress: s =>
        {
            if (cut is null && s.Succeeded >= 100)
            {
                cut = launcher.Handles[0];
                cut.Kill();
            }
        });

        Assert.NotNull(cut);
        Assert.Equal(600, statistics.Succeeded);
        AssertEachTaskOnce(dial, 600);
        Assert.True(statistics.WorkerEnds.GetValueOrDefault(WorkerEnds.Disconnected) >= 1);

        // The cut worker dialed again: a later connection came from the same process.
        Assert.Contains(launcher.Handles.Skip(1), h => h.Hello.ProcessId == cut!.Hello.ProcessId);
        await dial.DisposeAsync();
        var process = dial.Capacity.Started.Single(p => p.Name == cut!.Hello.WorkerName).Process;
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>Every worker process exited 0, save those that dialed in only after the run ended and were killed.</summary>
    private static void AssertWorkersExitedCleanly(DialRun dial)
    {
        var killed = dial.Capacity.Killed;
        Assert.All(dial.Capacity.Started.Where(p => !killed.Contains(p.Name)), p => Assert.Equal(0, p.Process.ExitCode));
    }

    private static void AssertEachTaskOnce(DialRun dial, int count)
    {
        var results = ResultLine.ReadAll(dial.Folder.Results);
        Assert.Equal(count, results.Count);
        Assert.Equal(count, results.Select(r => r.Id).Distinct().Count());
        Assert.All(results, r => Assert.Equal("succeeded", r.Status));
        Assert.All(results, r => Assert.Equal(r.Id, (string?)r.Output!["id"]));
    }

    /// <summary>Dials the pool over TLS as a worker would, says Hello, and returns the head's first answer.</summary>
    private static async Task<IMessage?> PresentAsync(int port, string pin, Hello hello)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
        await using var tls = new SslStream(client.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "grid-head",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && RunCredentials.PinOf(certificate) == pin,
        });
        await tls.WriteAsync(FrameWriter.ToArray(hello));
        await tls.FlushAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await new FrameReader(tls).ReadOneAsync(timeout.Token);
    }

    /// <summary>Hands out the pool's workers and remembers each, in order.</summary>
    private sealed class RecordingLauncher(RemoteWorkerPool pool) : IWorkerLauncher
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<RemoteWorkerHandle> _handles = new();

        public IReadOnlyList<RemoteWorkerHandle> Handles => [.. _handles];

        public string? RunToken => pool.RunToken;

        public string Describe(int workers) => pool.Describe(workers);

        public async Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken)
        {
            var handle = (RemoteWorkerHandle)await pool.LaunchAsync(workerId, cancellationToken);
            _handles.Enqueue(handle);
            return handle;
        }
    }
}

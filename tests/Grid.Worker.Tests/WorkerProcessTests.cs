using System.Text;
using System.Text.Json;
using Grid.Protocol.Messages;

namespace Grid.Worker.Tests;

/// <summary>The protocol across a real process boundary: the test job's own stdin and stdout.</summary>
public class WorkerProcessTests
{
    [Fact]
    public async Task AWorkerProcessServesTasksAndExitsZeroAfterShutdown()
    {
        await using var worker = WorkerProcess.Start("--grid-worker", "--grid-slots", "2");
        var hello = Assert.IsType<Hello>(await worker.ReceiveAsync());
        Assert.Equal(2, hello.Slots);
        await worker.SendAsync(new Welcome(Protocol.Protocol.Version, 1000, 15000, "run-1", "w-1"));

        await worker.SendAsync(
            FakeHead.Task(1, """{"id":1}"""),
            FakeHead.Task(2, """{"id":2,"throw":"bad tile"}"""),
            FakeHead.Task(3, """{"id":3,"sleepMs":60000}""", timeoutMilliseconds: 100),
            Shutdown.Instance);

        var results = new Dictionary<ulong, Result>();
        while (await worker.ReceiveAsync() is { } message)
        {
            if (message is Result result)
            {
                results.Add(result.Key, result);
            }
        }

        Assert.Equal("""{"id":1,"value":8}""", Encoding.UTF8.GetString(results[1].Body.Span));
        Assert.Equal(Outcome.Failed, results[2].Outcome);
        using (var error = JsonDocument.Parse(results[2].Body))
        {
            Assert.Equal("bad tile", error.RootElement.GetProperty("message").GetString());
        }

        Assert.Equal(Outcome.Cancelled, results[3].Outcome);
        Assert.Equal(0, await worker.WaitForExitAsync());
    }

    [Fact]
    public async Task LargeOutputsFromAWorkerProcessArriveWholeAndInOrder()
    {
        // Outputs past the outbox's direct-write size go from their pooled array straight to stdout, after the
        // frames queued before them: their bytes and the frames around them must arrive intact.
        await using var worker = WorkerProcess.Start("--grid-worker", "--grid-slots", "2");
        Assert.IsType<Hello>(await worker.ReceiveAsync());
        await worker.SendAsync(new Welcome(Protocol.Protocol.Version, 1000, 15000, "run-1", "w-1"));
        int[] sizes = [10, 70_000, 1 << 20, 5, 3 << 20, 65_536];
        await worker.SendAsync([.. sizes.Select((size, i) => FakeHead.Task((ulong)i + 1, $$"""{"id":{{i + 1}},"outputBytes":{{size}}}""")), Shutdown.Instance]);

        var results = new Dictionary<ulong, Result>();
        while (await worker.ReceiveAsync() is { } message)
        {
            if (message is Result result)
            {
                results.Add(result.Key, result);
            }
        }

        Assert.Equal(sizes.Length, results.Count);
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.Equal($$"""{"id":{{i + 1}},"value":"{{new string('x', sizes[i])}}"}""", Encoding.UTF8.GetString(results[(ulong)i + 1].Body.Span));
        }

        Assert.Equal(0, await worker.WaitForExitAsync());
    }

    [Fact]
    public async Task TenMegabytesPrintedByAWorkerProcessArriveAsLogFramesAndNativeStdoutGoesToStderr()
    {
        const int Bytes = 10_000_000;
        await using var worker = WorkerProcess.Start("--grid-worker", "--grid-slots", "1");
        Assert.IsType<Hello>(await worker.ReceiveAsync());
        await worker.SendAsync(new Welcome(Protocol.Protocol.Version, 1000, 15000, "run-1", "w-1"));

        await worker.SendAsync(FakeHead.Task(7, $$"""{"id":7,"print":{{Bytes}},"rawStdout":"written past the runtime\n"}"""), Shutdown.Instance);

        var printed = new MemoryStream();
        Result? result = null;
        while (await worker.ReceiveAsync() is { } message)
        {
            switch (message)
            {
                case Log log:
                    Assert.Equal((7ul, LogSource.Out), (log.Key, log.Source));
                    printed.Write(log.Text.Span);
                    break;
                case Result r:
                    result = r;
                    break;
            }
        }

        Assert.Equal(0, await worker.WaitForExitAsync());
        Assert.Equal(Outcome.Succeeded, result!.Outcome);
        Assert.Equal(Bytes, printed.Length);
        var lines = Encoding.UTF8.GetString(printed.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Bytes / 100, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.Equal(i, int.Parse(lines[i].AsSpan(0, 8), System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Contains("written past the runtime", worker.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkerProcessWhoseHeadClosesStdinExitsAsHeadLost()
    {
        await using var worker = WorkerProcess.Start("--grid-worker");
        Assert.IsType<Hello>(await worker.ReceiveAsync());
        await worker.SendAsync(new Welcome(Protocol.Protocol.Version, 1000, 15000, "run-1", "w-1"), FakeHead.Task(1, """{"id":1,"sleepMs":60000}"""));
        Assert.IsType<Started>(await worker.ReceiveAsync());

        await worker.CloseInputAsync();

        Assert.Equal(4, await worker.WaitForExitAsync());
        Assert.Contains("the head closed its stream", worker.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutArgumentsTheJobPrintsUsageAndExitsTwo()
    {
        await using var worker = WorkerProcess.Start();

        Assert.Equal(2, await worker.WaitForExitAsync());
        Assert.Contains("--grid-worker", worker.Stderr, StringComparison.Ordinal);
    }
}

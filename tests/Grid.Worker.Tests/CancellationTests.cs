using System.Text;
using System.Text.Json;
using Grid.Protocol.Messages;

namespace Grid.Worker.Tests;

public class CancellationTests
{
    [Fact]
    public async Task CancelFromTheHeadStopsTheRunningAttemptWhichReportsCancelled()
    {
        var running = new TaskCompletionSource();
        await using var head = FakeHead.Start<int, int>(async (input, context) =>
        {
            running.SetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return input;
        });
        await head.HandshakeAsync();
        await head.SendTaskAsync(5, "5");
        await head.ReceiveAsync<Started>();
        await running.Task.WaitAsync(FakeHead.ReceiveTimeout);

        await head.SendAsync(new Cancel(5, 1, CancelReason.Withdrawn));

        var result = await head.ReceiveAsync<Result>();
        Assert.Equal(Outcome.Cancelled, result.Outcome);
        using var error = JsonDocument.Parse(result.Body);
        Assert.Equal("System.Threading.Tasks.TaskCanceledException", error.RootElement.GetProperty("type").GetString());
        Assert.Contains("withdrawn", error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelNamesTheAttemptSoAnotherAttemptOfTheSameTaskRunsOn()
    {
        await using var head = FakeHead.Start<int, int>(async (input, context) =>
        {
            await Task.Delay(300, context.CancellationToken);
            return context.Attempt;
        });
        await head.HandshakeAsync();

        await head.SendAsync(FakeHead.Task(5, "5", attempt: 1), FakeHead.Task(5, "5", attempt: 2), new Cancel(5, 1, CancelReason.Timeout));

        var results = new List<Result>();
        while (results.Count < 2)
        {
            if (await head.ReceiveAsync() is Result result)
            {
                results.Add(result);
            }
        }

        Assert.Equal(Outcome.Cancelled, results.Single(r => r.Attempt == 1).Outcome);
        var second = results.Single(r => r.Attempt == 2);
        Assert.Equal(Outcome.Succeeded, second.Outcome);
        Assert.Equal("2", Encoding.UTF8.GetString(second.Body.Span));
    }

    [Fact]
    public async Task ATaskTimeoutCancelsTheTokenThatLongAfterStarted()
    {
        await using var head = FakeHead.Start<int, int>(async (input, context) =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return input;
        });
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, "1", timeoutMilliseconds: 150);

        await head.ReceiveAsync<Started>();
        var result = await head.ReceiveAsync<Result>();
        Assert.Equal(Outcome.Cancelled, result.Outcome);
        Assert.InRange(result.RunMicroseconds, 140_000ul, 10_000_000ul);
        using var error = JsonDocument.Parse(result.Body);
        Assert.Contains("timeout of 150 ms", error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHandlerThatFinishesDespiteCancellationSucceeds()
    {
        await using var head = FakeHead.Start<int, int>(async (input, context) =>
        {
            await Task.Delay(400, CancellationToken.None);
            return context.CancellationToken.IsCancellationRequested ? -input : input;
        });
        await head.HandshakeAsync();

        await head.SendTaskAsync(3, "3", timeoutMilliseconds: 50);

        var result = (await head.ReceiveUntilResultsAsync(3)).OfType<Result>().Single();
        Assert.Equal(Outcome.Succeeded, result.Outcome);
        Assert.Equal("-3", Encoding.UTF8.GetString(result.Body.Span));
    }

    [Fact]
    public async Task AnExceptionAfterCancellationThatIsNotACancellationIsAFailure()
    {
        await using var head = FakeHead.Start<int, int>(async (input, context) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new IOException("cleanup failed");
            }

            return input;
        });
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, "1", timeoutMilliseconds: 50);

        var result = (await head.ReceiveUntilResultsAsync(1)).OfType<Result>().Single();
        Assert.Equal(Outcome.Failed, result.Outcome);
    }

    [Fact]
    public async Task ACancelledTaskStillWaitingForASlotIsReportedWithoutRunningTheHandler()
    {
        var release = new TaskCompletionSource();
        int ran = 0;
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            Interlocked.Increment(ref ran);
            await release.Task;
            return input;
        }, slots: 1);
        await head.HandshakeAsync();

        // One write, so the Cancel is read with the tasks, while task 1 holds the only slot.
        await head.SendAsync(FakeHead.Task(1, "1"), FakeHead.Task(2, "2"), new Cancel(2, 1, CancelReason.Withdrawn));
        Assert.Equal(1ul, (await head.ReceiveAsync<Started>()).Key);
        await Task.Delay(100);
        release.SetResult();

        var frames = await head.ReceiveUntilResultsAsync(1, 2);
        var second = frames.OfType<Result>().Single(r => r.Key == 2);
        Assert.Equal(Outcome.Cancelled, second.Outcome);
        Assert.Contains(frames, f => f is Started { Key: 2 });
        Assert.Equal(1, ran);
    }

    [Fact]
    public async Task ACancelForAnAttemptNoLongerHeldIsIgnored()
    {
        await using var head = FakeHead.Start((int input, TaskContext _) => input);
        await head.HandshakeAsync();

        await head.SendAsync(new Cancel(99, 1, CancelReason.Timeout));
        await head.SendTaskAsync(1, "1");

        var result = (await head.ReceiveUntilResultsAsync(1)).OfType<Result>().Single();
        Assert.Equal(Outcome.Succeeded, result.Outcome);
    }
}

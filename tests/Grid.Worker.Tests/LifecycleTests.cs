using System.Buffers.Binary;
using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Worker.Tests;

public class LifecycleTests
{
    [Fact]
    public async Task ShutdownFinishesEveryHeldTaskThenExitsZero()
    {
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            await Task.Delay(20);
            return input;
        }, slots: 2);
        await head.HandshakeAsync();

        await head.SendAsync([.. Enumerable.Range(1, 10).Select(i => (IMessage)FakeHead.Task((ulong)i, "1")), Shutdown.Instance]);

        var frames = await head.ReceiveToEndAsync();
        Assert.Equal(10, frames.OfType<Result>().Count(r => r.Outcome == Outcome.Succeeded));
        Assert.Equal(0, await head.ExitCodeAsync());
    }

    [Fact]
    public async Task AfterShutdownTheHeadMayCloseItsStreamAndHeldTasksStillFinish()
    {
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            await Task.Delay(100);
            return input;
        });
        await head.HandshakeAsync();

        await head.SendAsync(FakeHead.Task(1, "1"), Shutdown.Instance);
        await head.CloseAsync();

        var frames = await head.ReceiveToEndAsync();
        Assert.Equal(Outcome.Succeeded, frames.OfType<Result>().Single().Outcome);
        Assert.Equal(0, await head.ExitCodeAsync());
    }

    [Fact]
    public async Task ATaskAfterShutdownIsAProtocolError()
    {
        var release = new TaskCompletionSource();
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            await release.Task;
            return input;
        });
        await head.HandshakeAsync();

        await head.SendAsync(FakeHead.Task(1, "1"), Shutdown.Instance, FakeHead.Task(2, "2"));

        var frames = await head.ReceiveToEndAsync();
        Assert.Equal(ProtocolErrors.Unexpected, frames.OfType<Goodbye>().Single().Code);
        Assert.Equal(3, await head.ExitCodeAsync());
        release.SetResult();
    }

    [Fact]
    public async Task TheEndOfTheHeadsStreamCancelsRunningTasksAndExitsAsHeadLost()
    {
        var cancelled = new TaskCompletionSource();
        await using var head = FakeHead.Start<int, int>(async (input, context) =>
        {
            using var registration = context.CancellationToken.Register(() => cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return input;
        });
        await head.HandshakeAsync();
        await head.SendTaskAsync(1, "1");
        await head.ReceiveAsync<Started>();

        await head.CloseAsync();

        await cancelled.Task.WaitAsync(FakeHead.ReceiveTimeout);
        Assert.Equal(4, await head.ExitCodeAsync());
    }

    [Fact]
    public async Task SilenceFromTheHeadPastTheLeaseEndsTheConnection()
    {
        var time = new ManualTimeProvider();
        await using var head = FakeHead.Start((int input, TaskContext _) => input, time: time);
        await head.HandshakeAsync(heartbeatMilliseconds: 100, leaseMilliseconds: 1000);
        await head.SendTaskAsync(1, "1");
        await head.ReceiveUntilResultsAsync(1);

        time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.False(head.Exit.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(4, await head.ExitCodeAsync());
        Assert.Contains("lease", head.Diagnostics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnythingFromTheHeadKeepsTheLeaseAlive()
    {
        var time = new ManualTimeProvider();
        await using var head = FakeHead.Start((int input, TaskContext _) => input, time: time);
        await head.HandshakeAsync(heartbeatMilliseconds: 100, leaseMilliseconds: 1000);

        for (ulong i = 1; i <= 20; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(600));

            // A Result shows the frame before it was read; the clock moves only after that.
            await head.SendAsync(Heartbeat.Instance, FakeHead.Task(i, "1"));
            await head.ReceiveUntilResultsAsync(i);
        }

        Assert.False(head.Exit.IsCompleted, head.Diagnostics.ToString());
    }

    [Fact]
    public async Task TheWorkerSendsAHeartbeatEveryInterval()
    {
        var time = new ManualTimeProvider();
        await using var head = FakeHead.Start((int input, TaskContext _) => input, time: time);
        await head.HandshakeAsync(heartbeatMilliseconds: 100);

        // A Result shows that Welcome was taken in, and with it the heartbeat timer started.
        await head.SendTaskAsync(1, "1");
        await head.ReceiveUntilResultsAsync(1);
        for (int i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.IsType<Heartbeat>(await head.ReceiveAsync(includeHeartbeats: true));
        }
    }

    [Fact]
    public async Task GoodbyeFromTheHeadEndsTheConnection()
    {
        await using var head = FakeHead.Start((int input, TaskContext _) => input);
        await head.HandshakeAsync();

        await head.SendAsync(new Goodbye(ProtocolErrors.Malformed, "your Result was short"));

        Assert.Equal(3, await head.ExitCodeAsync());
        Assert.Contains("your Result was short", head.Diagnostics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownFrameKindGetsGoodbyeWithItsCodeAndExitCode3()
    {
        await using var head = FakeHead.Start((int input, TaskContext _) => input);
        await head.HandshakeAsync();

        var frame = new byte[Protocol.Protocol.HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 0);
        frame[4] = 0x7E;
        await head.SendRawAsync(frame);

        var goodbye = (await head.ReceiveToEndAsync()).OfType<Goodbye>().Single();
        Assert.Equal(ProtocolErrors.UnknownKind, goodbye.Code);
        Assert.StartsWith("frame kind 0x7E", goodbye.Message, StringComparison.Ordinal);
        Assert.Equal(3, await head.ExitCodeAsync());
        Assert.Contains(ProtocolErrors.UnknownKind, head.Diagnostics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFrameOnlyAWorkerSendsIsUnexpectedFromTheHead()
    {
        await using var head = FakeHead.Start((int input, TaskContext _) => input);
        await head.HandshakeAsync();

        await head.SendAsync(new Started(1, 1));

        Assert.Equal(ProtocolErrors.Unexpected, (await head.ReceiveToEndAsync()).OfType<Goodbye>().Single().Code);
    }

    [Fact]
    public async Task TheSameAttemptSentTwiceIsAProtocolError()
    {
        var release = new TaskCompletionSource();
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            await release.Task;
            return input;
        });
        await head.HandshakeAsync();

        await head.SendAsync(FakeHead.Task(1, "1"), FakeHead.Task(1, "1"));

        Assert.Equal(ProtocolErrors.Unexpected, (await head.ReceiveToEndAsync()).OfType<Goodbye>().Single().Code);
        release.SetResult();
    }

    [Fact]
    public async Task AHeadThatStopsReadingIsLost()
    {
        await using var head = FakeHead.Start((int input, TaskContext _) => input);
        await head.HandshakeAsync();

        await head.StopReadingAsync();
        await head.SendTaskAsync(1, "1");

        Assert.Equal(4, await head.ExitCodeAsync());
    }
}

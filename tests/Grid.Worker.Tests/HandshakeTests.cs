using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Worker.Tests;

public class HandshakeTests
{
    [Fact]
    public async Task WorkerOpensWithHelloNamingItsVersionSlotsAndIdentity()
    {
        await using var head = FakeHead.Start((int input, TaskContext _) => input, slots: 3);

        var hello = await head.ReceiveAsync<Hello>();

        Assert.Equal(Protocol.Protocol.Version, hello.MinVersion);
        Assert.Equal(Protocol.Protocol.Version, hello.MaxVersion);
        Assert.Equal(3, hello.Slots);
        Assert.Equal(4242u, hello.ProcessId);
        Assert.Equal("test-machine", hello.WorkerName);
        Assert.Equal("test-runtime", hello.Runtime);
        Assert.Equal("", hello.Token);
    }

    [Fact]
    public async Task WelcomeWithAnotherVersionGetsGoodbyeGrid6005AndExitCode3()
    {
        await using var head = FakeHead.Start((int input, TaskContext _) => input);

        await head.HandshakeAsync(version: Protocol.Protocol.Version + 1);

        var goodbye = await head.ReceiveAsync<Goodbye>();
        Assert.Equal(ProtocolErrors.Version, goodbye.Code);
        Assert.Equal(3, await head.ExitCodeAsync());
        Assert.Contains(ProtocolErrors.Version, head.Diagnostics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFirstFrameOtherThanWelcomeIsAProtocolError()
    {
        await using var head = FakeHead.Start((int input, TaskContext _) => input);
        await head.ReceiveAsync<Hello>();

        await head.SendTaskAsync(1, "1");

        var goodbye = await head.ReceiveAsync<Goodbye>();
        Assert.Equal(ProtocolErrors.Unexpected, goodbye.Code);
        Assert.Equal(3, await head.ExitCodeAsync());
    }

    [Fact]
    public async Task NoWelcomeWithinTheTimeoutMeansTheHeadIsLost()
    {
        var time = new ManualTimeProvider();
        await using var head = FakeHead.Start((int input, TaskContext _) => input, time: time);
        await head.ReceiveAsync<Hello>();

        time.Advance(Protocol.Protocol.DefaultLease - TimeSpan.FromSeconds(1));
        Assert.False(head.Exit.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(4, await head.ExitCodeAsync());
    }

    [Fact]
    public async Task AHeadThatClosesBeforeWelcomeIsLost()
    {
        await using var head = FakeHead.Start((int input, TaskContext _) => input);
        await head.ReceiveAsync<Hello>();

        await head.CloseAsync();

        Assert.Equal(4, await head.ExitCodeAsync());
    }
}

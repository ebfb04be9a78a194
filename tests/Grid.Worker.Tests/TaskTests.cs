using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Worker.Tests;

public class TaskTests
{
    private sealed record Tile(string Name, int Size);

    private sealed record TileStats(string Name, long Area, string TaskId, int Attempt, string WorkerId);

    [Fact]
    public async Task ATaskIsStartedThenAnsweredWithItsOutputAsJson()
    {
        await using var head = FakeHead.Start((Tile tile, TaskContext context) =>
            new TileStats(tile.Name, (long)tile.Size * tile.Size, context.TaskId, context.Attempt, context.WorkerId));
        await head.HandshakeAsync();

        await head.SendAsync(FakeHead.Task(7, """{"name":"t7","size":3}""", attempt: 2));

        var started = await head.ReceiveAsync<Started>();
        var result = await head.ReceiveAsync<Result>();
        Assert.Equal(new Started(7, 2), started);
        Assert.Equal((7ul, 2u, Outcome.Succeeded), (result.Key, result.Attempt, result.Outcome));
        Assert.Equal("""{"name":"t7","area":9,"taskId":"task-7","attempt":2,"workerId":"worker-1"}""", Encoding.UTF8.GetString(result.Body.Span));
    }

    [Fact]
    public async Task ManyTasksInFlightAllGetOneStartedAndOneResultAcrossTheSlots()
    {
        int running = 0;
        int mostAtOnce = 0;
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            await Task.Delay(input % 3);
            Interlocked.Decrement(ref running);
            return input * 2;
        }, slots: 4);
        await head.HandshakeAsync();

        const int Count = 2000;
        await head.SendAsync(Enumerable.Range(1, Count).Select(i => (IMessage)FakeHead.Task((ulong)i, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray());
        var frames = await head.ReceiveUntilResultsAsync(Enumerable.Range(1, Count).Select(i => (ulong)i).ToArray());

        var started = new HashSet<ulong>();
        foreach (var frame in frames)
        {
            switch (frame)
            {
                case Started s:
                    Assert.True(started.Add(s.Key), $"key {s.Key} started twice");
                    break;
                case Result r:
                    Assert.Contains(r.Key, started);
                    Assert.Equal(Outcome.Succeeded, r.Outcome);
                    Assert.Equal(((int)r.Key * 2).ToString(System.Globalization.CultureInfo.InvariantCulture), Encoding.UTF8.GetString(r.Body.Span));
                    break;
            }
        }

        Assert.Equal(Count, frames.OfType<Result>().Count());
        Assert.InRange(mostAtOnce, 2, 4);
    }

    [Fact]
    public async Task AHandlerThatThrowsReportsFailedWithTypeMessageAndStack()
    {
        await using var head = FakeHead.Start((int _, TaskContext _) => Fail());
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, "1");

        await head.ReceiveAsync<Started>();
        var result = await head.ReceiveAsync<Result>();
        Assert.Equal(Outcome.Failed, result.Outcome);
        using var error = JsonDocument.Parse(result.Body);
        Assert.Equal(["type", "message", "stack"], error.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("System.InvalidOperationException", error.RootElement.GetProperty("type").GetString());
        Assert.Equal("the tile is corrupt", error.RootElement.GetProperty("message").GetString());
        var stack = error.RootElement.GetProperty("stack").GetString()!;
        Assert.StartsWith("System.InvalidOperationException: the tile is corrupt", stack, StringComparison.Ordinal);
        Assert.Contains(nameof(Fail), stack, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InputThatIsNotValidJsonForTheTypeFailsTheTaskNotTheWorker()
    {
        await using var head = FakeHead.Start((Tile tile, TaskContext _) => tile.Size);
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, "{not json");
        await head.SendTaskAsync(2, """{"name":"ok","size":5}""");

        var results = (await head.ReceiveUntilResultsAsync(1, 2)).OfType<Result>().ToDictionary(r => r.Key);
        Assert.Equal(Outcome.Failed, results[1].Outcome);
        Assert.Contains("JsonException", Encoding.UTF8.GetString(results[1].Body.Span), StringComparison.Ordinal);
        Assert.Equal(Outcome.Succeeded, results[2].Outcome);
    }

    [Fact]
    public async Task RunTimeIsMeasuredFromStartedToTheEndOfTheHandler()
    {
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            await Task.Delay(input);
            return input;
        });
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, "100");

        var result = (await head.ReceiveUntilResultsAsync(1)).OfType<Result>().Single();
        Assert.InRange(result.RunMicroseconds, 90_000ul, 10_000_000ul);
    }

    [Fact]
    public async Task TheScratchDirectoryIsMadeOnFirstUseAndDeletedAfterTheAttempt()
    {
        var paths = new ConcurrentBag<string>();
        await using var head = FakeHead.Start((int input, TaskContext context) =>
        {
            var path = context.ScratchDirectory;
            File.WriteAllText(Path.Combine(path, "partial.txt"), "x");
            paths.Add(path);
            return Directory.Exists(path) && path == context.ScratchDirectory;
        });
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, "1");
        await head.SendTaskAsync(2, "2");

        var results = (await head.ReceiveUntilResultsAsync(1, 2)).OfType<Result>().ToList();
        Assert.All(results, r => Assert.Equal("true", Encoding.UTF8.GetString(r.Body.Span)));
        Assert.Equal(2, paths.Distinct().Count());
        Assert.All(paths, path => Assert.False(Directory.Exists(path)));
    }

    [Fact]
    public async Task AnOutputTooBigForAResultFrameFailsTheTaskAndSaysWhy()
    {
        await using var head = FakeHead.Start((int size, TaskContext _) => new string('x', size));
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, (17 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await head.SendTaskAsync(2, "3");

        var results = (await head.ReceiveUntilResultsAsync(1, 2)).OfType<Result>().ToDictionary(r => r.Key);
        Assert.Equal(Outcome.Failed, results[1].Outcome);
        Assert.Contains("over the", Encoding.UTF8.GetString(results[1].Body.Span), StringComparison.Ordinal);
        Assert.Equal("\"xxx\"", Encoding.UTF8.GetString(results[2].Body.Span));
    }

    private static int Fail() => throw new InvalidOperationException("the tile is corrupt");

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

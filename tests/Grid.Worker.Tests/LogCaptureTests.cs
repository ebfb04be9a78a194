using System.Text;
using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Worker.Tests;

public class LogCaptureTests
{
    [Fact]
    public async Task PrintsAreSentAsLogFramesTaggedWithTheirTaskBeforeItsResult()
    {
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            for (int i = 0; i < 5; i++)
            {
                Console.WriteLine($"task {input} line {i}");
                await Task.Yield();
            }

            await Console.Error.WriteLineAsync($"task {input} complains");
            return input;
        }, slots: 4);
        await head.HandshakeAsync();

        var keys = Enumerable.Range(1, 8).Select(i => (ulong)i).ToArray();
        await head.SendAsync([.. keys.Select(k => (IMessage)FakeHead.Task(k, k.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);
        var frames = await head.ReceiveUntilResultsAsync(keys);

        foreach (var key in keys)
        {
            var ofTask = frames.Where(f => f is Log l && l.Key == key || f is Result r && r.Key == key).ToList();
            Assert.IsType<Result>(ofTask[^1]);
            var logs = ofTask.OfType<Log>().ToList();
            Assert.Equal(
                string.Concat(Enumerable.Range(0, 5).Select(i => $"task {key} line {i}\n")),
                Text(logs.Where(l => l.Source == LogSource.Out)));
            Assert.Equal($"task {key} complains\n", Text(logs.Where(l => l.Source == LogSource.Error)));
            Assert.All(logs, l => Assert.Equal(1u, l.Attempt));
        }
    }

    [Fact]
    public async Task WholeLinesTravelAsTheyAreWrittenAndAPartialLineAtTheEndOfTheTask()
    {
        var secondLine = new TaskCompletionSource();
        var firstLineSeen = new TaskCompletionSource();
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            Console.Write("progress: 10%");
            Console.WriteLine();
            await firstLineSeen.Task;
            Console.Write("no line end");
            return input;
        });
        await head.HandshakeAsync();
        await head.SendTaskAsync(1, "1");

        await head.ReceiveAsync<Started>();
        var first = await head.ReceiveAsync<Log>();
        Assert.Equal("progress: 10%\n", Text([first]));
        firstLineSeen.SetResult();

        var partial = await head.ReceiveAsync<Log>();
        Assert.Equal("no line end", Text([partial]));
        await head.ReceiveAsync<Result>();
    }

    [Fact]
    public async Task LoggerLinesAreLogFramesFromTheLoggerWithTheirLevel()
    {
        await using var head = FakeHead.Start((int input, TaskContext context) =>
        {
            context.Log.Info("reading tile");
            context.Log.Warning("tile is small");
            context.Log.Error("tile has holes");
            return input;
        });
        await head.HandshakeAsync();

        await head.SendTaskAsync(9, "9");

        var logs = (await head.ReceiveUntilResultsAsync(9)).OfType<Log>().ToList();
        Assert.All(logs, l => Assert.Equal((9ul, 1u, LogSource.Logger), (l.Key, l.Attempt, l.Source)));
        Assert.Equal(["info: reading tile\n", "warn: tile is small\n", "error: tile has holes\n"], logs.Select(l => Text([l])));
    }

    [Fact]
    public async Task TenMegabytesOfPrintsArriveIntactAndInOrderAsLogFramesOfTheirTask()
    {
        const int Lines = 100_000;
        await using var head = FakeHead.Start((int input, TaskContext _) =>
        {
            var line = new string('x', 95);
            for (int i = 0; i < Lines; i++)
            {
                Console.Out.WriteLine($"{i:D5}{line}");
            }

            return input;
        });
        await head.HandshakeAsync();

        await head.SendTaskAsync(3, "3");

        var frames = await head.ReceiveUntilResultsAsync(3);
        var logs = frames.OfType<Log>().ToList();
        Assert.All(logs, l => Assert.Equal((3ul, LogSource.Out), (l.Key, l.Source)));
        Assert.All(logs, l => Assert.InRange(l.Text.Length, 1, Protocol.Protocol.MaxLogChunkBytes));
        var text = Text(logs);
        Assert.Equal(Lines * 101, text.Length);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Lines, lines.Length);
        for (int i = 0; i < Lines; i++)
        {
            Assert.Equal(i, int.Parse(lines[i].AsSpan(0, 5), System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(Outcome.Succeeded, frames.OfType<Result>().Single().Outcome);
    }

    [Fact]
    public async Task OneHugeWriteIsCutIntoChunksThatNeverSplitACharacter()
    {
        // 3-byte and 4-byte UTF-8 characters, and no line end: the chunk limit alone cuts it.
        var text = string.Concat(Enumerable.Repeat("€😀", 100_000));
        await using var head = FakeHead.Start((int input, TaskContext _) =>
        {
            Console.Write(text);
            return input;
        });
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, "1");

        var logs = (await head.ReceiveUntilResultsAsync(1)).OfType<Log>().ToList();
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        Assert.All(logs, l => Assert.InRange(l.Text.Length, 1, Protocol.Protocol.MaxLogChunkBytes));
        Assert.All(logs, l => strict.GetString(l.Text.Span));
        Assert.Equal(text, Text(logs));
    }

    [Fact]
    public async Task PrintsFromTasksTheHandlerStartsCarryItsAttempt()
    {
        await using var head = FakeHead.Start<int, int>(async (input, _) =>
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => Console.WriteLine($"child {i}"))));
            return input;
        });
        await head.HandshakeAsync();

        await head.SendTaskAsync(2, "2", attempt: 3);

        var logs = (await head.ReceiveUntilResultsAsync(2)).OfType<Log>().ToList();
        Assert.All(logs, l => Assert.Equal((2ul, 3u), (l.Key, l.Attempt)));
        Assert.Equal(4, Text(logs).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static string Text(IEnumerable<Log> logs)
    {
        var bytes = new List<byte>();
        foreach (var log in logs)
        {
            bytes.AddRange(log.Text.ToArray());
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}

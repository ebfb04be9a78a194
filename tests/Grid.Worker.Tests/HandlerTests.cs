using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Grid.Protocol.Messages;

namespace Grid.Worker.Tests;

/// <summary>What a handler may take and return, and how the public entry points bind to lambdas.</summary>
public partial class HandlerTests
{
    private sealed record Point(int X, int Y);

    private sealed record TileSize(int TileWidth);

    private sealed class NoLog : ILogTarget
    {
        public void WriteLogLine(LogLevel level, string message)
        {
        }
    }

    [Fact]
    public async Task RawBytesInAndOutPassThroughUntouched()
    {
        await using var head = FakeHead.Start((byte[] input, TaskContext _) => input.Reverse().ToArray());
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, "[1,2]");

        var result = (await head.ReceiveUntilResultsAsync(1)).OfType<Result>().Single();
        Assert.Equal("]2,1[", Encoding.UTF8.GetString(result.Body.Span));
    }

    [Fact]
    public async Task AnyJsonCanBeTakenAsAJsonElementOrAJsonNode()
    {
        await using var element = FakeHead.Start((JsonElement input, TaskContext _) => input.ValueKind.ToString());
        await using var node = FakeHead.Start((JsonNode input, TaskContext _) => input.GetValueKind().ToString());
        await element.HandshakeAsync();
        await node.HandshakeAsync();

        await element.SendTaskAsync(1, "[1,2]");
        await node.SendTaskAsync(1, "\"text\"");

        Assert.Equal("\"Array\"", Encoding.UTF8.GetString((await element.ReceiveUntilResultsAsync(1)).OfType<Result>().Single().Body.Span));
        Assert.Equal("\"String\"", Encoding.UTF8.GetString((await node.ReceiveUntilResultsAsync(1)).OfType<Result>().Single().Body.Span));
    }

    [Fact]
    public async Task RecordsAreReadAndWrittenWithWebDefaults()
    {
        await using var head = FakeHead.Start((Point input, TaskContext _) => new Point(input.Y, input.X));
        await head.HandshakeAsync();

        await head.SendTaskAsync(1, """{"X":1,"y":2}""");

        Assert.Equal("""{"x":2,"y":1}""", Encoding.UTF8.GetString((await head.ReceiveUntilResultsAsync(1)).OfType<Result>().Single().Body.Span));
    }

    [Fact]
    public async Task SerializerOptionsFromTheCallerAreUsed()
    {
        var options = new GridWorkerOptions { SerializerOptions = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower } };
        var handler = TaskHandler<TileSize, TileSize>.FromSync((input, _) => input with { TileWidth = input.TileWidth * 2 }, options);
        var context = new TaskContext("t", 1, "w", new NoLog(), CancellationToken.None);

        var output = await handler.InvokeAsync("""{"tile_width":3}"""u8.ToArray(), context);

        Assert.Equal("""{"tile_width":6}""", Encoding.UTF8.GetString(output.Memory.Span));
        output.Release();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(70_000)]
    [InlineData(1 << 20)]
    public async Task OutputsAreTheBytesJsonSerializerWrites(int length)
    {
        // Indented, a non-default encoder and newline, and strings that make the writer grow (and trade its array).
        var serializer = new JsonSerializerOptions(JsonSerializerOptions.Web)
        {
            WriteIndented = true,
            IndentSize = 3,
            NewLine = "\n",
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        var text = string.Concat(Enumerable.Repeat("tile é \"<x>\" ", length / 12 + 1))[..length];
        var value = new Dictionary<string, object?> { ["text"] = text, ["items"] = new[] { 1, 2 }, ["nested"] = new Point(3, 4) };
        var handler = TaskHandler<int, Dictionary<string, object?>>.FromSync((_, _) => value, new GridWorkerOptions { SerializerOptions = serializer });
        var context = new TaskContext("t", 1, "w", new NoLog(), CancellationToken.None);

        var output = await handler.InvokeAsync("1"u8.ToArray(), context);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(value, serializer), output.Memory.ToArray());
        output.Release();
    }

    [Fact]
    public async Task HandlersWithTheirOwnOptionsOnOneThreadEachWriteWithTheirOwn()
    {
        // A slot thread keeps one JSON writer between tasks; a second handler must not write with the first's options.
        var indented = TaskHandler<int, Point>.FromSync((n, _) => new Point(n, n), new GridWorkerOptions { SerializerOptions = new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true } });
        var compact = TaskHandler<int, Point>.FromSync((n, _) => new Point(n, n), null);
        var context = new TaskContext("t", 1, "w", new NoLog(), CancellationToken.None);

        for (int i = 0; i < 3; i++)
        {
            var a = await indented.InvokeAsync("1"u8.ToArray(), context);
            var b = await compact.InvokeAsync("2"u8.ToArray(), context);
            Assert.Equal("{\n  \"x\": 1,\n  \"y\": 1\n}", Encoding.UTF8.GetString(a.Memory.Span).ReplaceLineEndings("\n"));
            Assert.Equal("""{"x":2,"y":2}""", Encoding.UTF8.GetString(b.Memory.Span));
            a.Release();
            b.Release();
        }
    }

    [Fact]
    public async Task EveryOverloadBindsToAnExplicitlyTypedLambda()
    {
        // A bad argument makes each call print the usage and return 2 without running anything: what is checked
        // here is that each lambda shape compiles against the intended overload.
        string[] args = ["--no-such-option"];
        Assert.Equal(2, GridWorker.Run(args, (Point input, TaskContext _) => input.X));
        Assert.Equal(2, await GridWorker.RunAsync(args, (Point input, TaskContext _) => input.X));
        Assert.Equal(2, await GridWorker.RunAsync(args, async (Point input, TaskContext context) =>
        {
            await Task.Delay(1, context.CancellationToken);
            return input.X;
        }));
        Assert.Equal(2, await GridWorker.RunAsync(args, async ValueTask<int> (Point input, TaskContext context) =>
        {
            await Task.Delay(1, context.CancellationToken);
            return input.X;
        }));
    }

    [Fact]
    public void AnAsyncLambdaGivenToTheSyncRunIsRefusedWithAHint()
    {
        var error = Assert.Throws<ArgumentException>(() => GridWorker.Run(["--grid-worker"], async (Point input, TaskContext _) =>
        {
            await Task.Yield();
            return input.X;
        }));
        Assert.Contains("RunAsync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASourceGeneratedContextReadsAndWritesAsReflectionDoes()
    {
        var generated = TaskHandler<TileSize, Point>.FromSync((input, _) => new Point(input.TileWidth, -1), new GridWorkerOptions { SerializerOptions = HandlerJson.Default.Options });
        var reflected = TaskHandler<TileSize, Point>.FromSync((input, _) => new Point(input.TileWidth, -1), null);
        var context = new TaskContext("t", 1, "w", new NoLog(), CancellationToken.None);

        var a = await generated.InvokeAsync("""{"TILEWIDTH":7}"""u8.ToArray(), context);
        var b = await reflected.InvokeAsync("""{"TILEWIDTH":7}"""u8.ToArray(), context);

        Assert.Equal("""{"x":7,"y":-1}""", Encoding.UTF8.GetString(a.Memory.Span));
        Assert.Equal(b.Memory.ToArray(), a.Memory.ToArray());
        a.Release();
        b.Release();
    }

    [Fact]
    public void ATypeTheSourceGeneratedContextLeavesOutStopsTheWorkerAtStartWithTheFix()
    {
        // HandlerJson has Point and TileSize, not a list of them: the output side is named, with the attribute to add.
        var error = Assert.Throws<InvalidOperationException>(() =>
            TaskHandler<Point, List<TileSize>>.FromSync((_, _) => [], new GridWorkerOptions { SerializerOptions = HandlerJson.Default.Options }));

        Assert.Contains("output type List<TileSize>", error.Message, StringComparison.Ordinal);
        Assert.Contains("[JsonSerializable(typeof(List<TileSize>))] to HandlerJson", error.Message, StringComparison.Ordinal);
        Assert.IsType<NotSupportedException>(error.InnerException);
    }

    /// <summary>A source-generated context with web defaults, as the gridjob template's JobJson.</summary>
    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
    [JsonSerializable(typeof(TileSize))]
    [JsonSerializable(typeof(Point))]
    private sealed partial class HandlerJson : JsonSerializerContext;
}

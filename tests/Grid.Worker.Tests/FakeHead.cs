using System.IO.Pipelines;
using Grid.Protocol;
using Grid.Protocol.Messages;
using Grid.Serving;

namespace Grid.Worker.Tests;

/// <summary>
/// The head's side of an in-memory worker connection: writes frames to the worker and reads what it sends back.
/// Heartbeats from the worker are skipped unless asked for.
/// </summary>
internal sealed class FakeHead : IAsyncDisposable
{
    public static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(20);

    private readonly Pipe _toWorker = new();
    private readonly Pipe _toHead = new();
    private readonly FrameReader _reader;
    private readonly WorkerConnection _connection;

    private FakeHead(TaskHandler handler, int slots, TimeProvider? time)
    {
        _reader = new FrameReader(_toHead.Reader);
        var options = new WorkerConnectionOptions
        {
            Slots = slots,
            WorkerName = "test-machine",
            ProcessId = 4242,
            Runtime = "test-runtime",
            Diagnostics = Diagnostics,
            Time = time ?? TimeProvider.System,
        };

        _connection = new WorkerConnection(handler, _toWorker.Reader, _toHead.Writer, options);
        Exit = System.Threading.Tasks.Task.Run(_connection.RunAsync);
    }

    /// <summary>The worker's exit code, once its connection ends.</summary>
    public Task<int> Exit { get; }

    /// <summary>What the worker wrote to its stderr.</summary>
    public StringWriter Diagnostics { get; } = new();

    public static FakeHead Start<TIn, TOut>(Func<TIn, TaskContext, ValueTask<TOut>> handler, int slots = 2, TimeProvider? time = null) =>
        new(new TaskHandler<TIn, TOut>(handler, options: null), slots, time);

    public static FakeHead Start<TIn, TOut>(Func<TIn, TaskContext, TOut> handler, int slots = 2, TimeProvider? time = null) =>
        new(TaskHandler<TIn, TOut>.FromSync(handler, options: null), slots, time);

    /// <summary>Reads Hello and answers Welcome; heartbeats are slow unless asked, so they stay out of the way.</summary>
    public async Task<Hello> HandshakeAsync(uint heartbeatMilliseconds = 60_000, uint leaseMilliseconds = 600_000, ushort version = Protocol.Protocol.Version)
    {
        var hello = await ReceiveAsync<Hello>();
        await SendAsync(new Welcome(version, heartbeatMilliseconds, leaseMilliseconds, "run-1", "worker-1"));
        return hello;
    }

    public async Task SendAsync(params IMessage[] messages)
    {
        foreach (var message in messages)
        {
            FrameWriter.Write(_toWorker.Writer, message);
        }

        await _toWorker.Writer.FlushAsync();
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _toWorker.Writer.WriteAsync(bytes);
    }

    public Task SendTaskAsync(ulong key, string input, uint timeoutMilliseconds = 0, uint attempt = 1) =>
        SendAsync(Task(key, input, timeoutMilliseconds, attempt));

    public static TaskMessage Task(ulong key, string input, uint timeoutMilliseconds = 0, uint attempt = 1) =>
        new(key, attempt, timeoutMilliseconds, $"task-{key}", System.Text.Encoding.UTF8.GetBytes(input));

    /// <summary>Closes the head's side of the stream, as a head that exits does.</summary>
    public Task CloseAsync() => _toWorker.Writer.CompleteAsync().AsTask();

    /// <summary>The next frame from the worker (heartbeats skipped unless <paramref name="includeHeartbeats"/>), or null at its end.</summary>
    public async Task<IMessage?> ReceiveOrEndAsync(bool includeHeartbeats = false)
    {
        while (true)
        {
            var message = await _reader.ReadOneAsync().AsTask().WaitAsync(ReceiveTimeout);
            if (message is Heartbeat && !includeHeartbeats)
            {
                continue;
            }

            return message;
        }
    }

    public async Task<IMessage> ReceiveAsync(bool includeHeartbeats = false) =>
        await ReceiveOrEndAsync(includeHeartbeats) ?? throw new InvalidOperationException("The worker closed its stream.");

    public async Task<T> ReceiveAsync<T>()
        where T : IMessage
    {
        var message = await ReceiveAsync();
        return message is T typed ? typed : throw new InvalidOperationException($"Expected {typeof(T).Name}, got {message}.");
    }

    /// <summary>Frames until (and with) the Result of every key in <paramref name="keys"/>.</summary>
    public async Task<List<IMessage>> ReceiveUntilResultsAsync(params ulong[] keys)
    {
        var waiting = new HashSet<ulong>(keys);
        var frames = new List<IMessage>();
        while (waiting.Count > 0)
        {
            var message = await ReceiveAsync();
            frames.Add(message);
            if (message is Result result)
            {
                waiting.Remove(result.Key);
            }
        }

        return frames;
    }

    /// <summary>Every frame up to the end of the worker's stream.</summary>
    public async Task<List<IMessage>> ReceiveToEndAsync()
    {
        var frames = new List<IMessage>();
        while (await ReceiveOrEndAsync() is { } message)
        {
            frames.Add(message);
        }

        return frames;
    }

    /// <summary>Closes the reading side, as a head that died does: the worker's next write fails.</summary>
    public Task StopReadingAsync() => _toHead.Reader.CompleteAsync().AsTask();

    public async Task<int> ExitCodeAsync() => await Exit.WaitAsync(ReceiveTimeout);

    public async ValueTask DisposeAsync()
    {
        await _toWorker.Writer.CompleteAsync();
        try
        {
            await Exit.WaitAsync(ReceiveTimeout);
        }
        finally
        {
            _connection.Dispose();
        }
    }
}

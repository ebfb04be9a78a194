using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Threading.Channels;
using Grid.Logging;
using Grid.Protocol;
using Grid.Protocol.Messages;
using ProtocolLimits = Grid.Protocol.Protocol;

namespace Grid.Serving;

/// <summary>
/// One worker's conversation with its head, over any pair of pipes (stdio in a worker process, in-memory pipes
/// in tests):
/// Hello → Welcome; then Task frames queue up (never refused: the head pipelines) and <c>slots</c> loops run them,
/// each sending Started, the handler's prints as Log frames, and Result. Heartbeats go out every interval; the
/// connection ends on Shutdown (once every held task is done), on end of input or silence past the lease (the head
/// is gone), or on a protocol error (Goodbye, exit 3).
/// </summary>
internal sealed partial class WorkerConnection : IDisposable
{
    /// <summary>When the head is gone, running handlers get this long to notice their cancelled token.</summary>
    public static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(1);

    /// <summary>At the end, frames still queued get this long to reach the head.</summary>
    public static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(5);

    /// <summary>After Shutdown, how long the worker waits for the head to acknowledge its last results.</summary>
    public static readonly TimeSpan FinalAckTimeout = TimeSpan.FromSeconds(2);

    private readonly TaskHandler _handler;
    private readonly WorkerConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly FrameReader _reader;
    private readonly FrameOutbox _outbox;
    private readonly LogScope _workerScope;
    private readonly Channel<Attempt> _queue = Channel.CreateUnbounded<Attempt>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly ConcurrentDictionary<AttemptKey, Attempt> _attempts = new();
    private readonly UnackedResults _unacked;
    private readonly TaskCompletionSource<ConnectionEnd> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopReading = new();
    private string _workerId = "";
    private Task _slots = Task.CompletedTask;

    public WorkerConnection(TaskHandler handler, PipeReader input, PipeWriter output, WorkerConnectionOptions options)
    {
        _handler = handler;
        _options = options;
        _time = options.Time;
        _reader = new FrameReader(input);
        _outbox = new FrameOutbox(output);
        _unacked = options.Unacked ?? new UnackedResults(_time);
        _workerScope = new LogScope(_outbox, key: 0, attempt: 0);
        _onMessage = OnMessage;
    }

    private Task? _writing;

    /// <summary>
    /// The process is exiting under the worker (a handler called Environment.Exit): write out what is queued —
    /// the results of tasks already finished and the Started of the one that ended the process — so the head
    /// commits the finished ones and blames the right task for the worker's death.
    /// </summary>
    public void FlushOnExit(TimeSpan timeout)
    {
        if (_writing is not { IsCompleted: false } writing)
        {
            return;
        }

        _outbox.Complete();
        writing.Wait(timeout);
    }

    /// <summary>Prints of the worker itself, outside any task: key 0.</summary>
    public LogScope WorkerScope => _workerScope;

    /// <summary>Runs the connection to its end and returns the process exit code.</summary>
    public async Task<int> RunAsync()
    {
        var writing = _writing = _outbox.RunAsync();
        _ = WatchOutputAsync();

        // The wait for Welcome counts from Hello. Hello is the first frame on the wire: only then may prints
        // become Log frames.
        using var welcomeTimeout = new CancellationTokenSource(_options.WelcomeTimeout, _time);
        var hello = new Hello(ProtocolLimits.Version, ProtocolLimits.Version, checked((ushort)_options.Slots), _options.ProcessId,
            _options.WorkerName, _options.Runtime, _options.Token);
        await _outbox.SendAsync(hello).ConfigureAwait(false);
        ConsoleCapture.Install();
        LogScope.Current = _workerScope;
        if (_options.CaptureUntaggedOutput)
        {
            LogScope.Untagged = _workerScope;
        }

        var end = await ServeAsync(welcomeTimeout.Token).ConfigureAwait(false);
        await _stopReading.CancelAsync().ConfigureAwait(false);

        if (!end.IsDrained)
        {
            await AbandonAsync().ConfigureAwait(false);
        }

        if (end.SendsGoodbye)
        {
            await _outbox.SendAsync(new Goodbye(end.Code!, end.Message)).ConfigureAwait(false);
        }

        if (!end.IsDrained)
        {
            await _options.Diagnostics.WriteLineAsync($"grid worker: stopping: {end.Describe()}").ConfigureAwait(false);
        }

        _workerScope.Close();
        _outbox.Complete();
        try
        {
            await writing.WaitAsync(FinalFlushTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The head stopped reading; what is left cannot be delivered.
        }

        return end.ExitCode;
    }

    /// <summary>When the last frame from the head arrived (a <see cref="TimeProvider"/> timestamp); 0 if none did.</summary>
    public long LastReceived => Volatile.Read(ref _lastReceived);

    public void Dispose() => _stopReading.Dispose();

    private async Task<ConnectionEnd> ServeAsync(CancellationToken welcomeTimeout)
    {
        var (welcome, failure) = await ReadWelcomeAsync(welcomeTimeout).ConfigureAwait(false);
        if (welcome is null)
        {
            return failure!;
        }

        if (welcome.Version != ProtocolLimits.Version)
        {
            return ConnectionEnd.ProtocolError(ProtocolErrors.Version,
                $"the head chose protocol version {welcome.Version}; this worker speaks only version {ProtocolLimits.Version}.");
        }

        _workerId = welcome.WorkerId;
        MarkReceived();

        // Results an earlier connection left unacknowledged: this head may never have seen them. It fences
        // the ones it already has, by (key, attempt), and acknowledges them all.
        _unacked.ResendAll(_outbox);
        using var timer = StartHeartbeats(welcome);
        _slots = StartSlots();
        _ = ReadLoopAsync();
        if (_options.Notice is { } notice)
        {
            _ = DrainOnNoticeAsync(notice);
        }

        return await _end.Task.ConfigureAwait(false);
    }

    private async Task<(Welcome? Welcome, ConnectionEnd? Failure)> ReadWelcomeAsync(CancellationToken timeout)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout, _stopReading.Token);
        try
        {
            // WaitAsync as well as the token: a read blocked in a pipe's read(2) does not notice cancellation.
            var first = await _reader.ReadOneAsync(linked.Token).AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
            return first switch
            {
                Welcome welcome => (welcome, null),
                null => (null, ConnectionEnd.HeadLost("the head closed its stream before Welcome")),
                Goodbye goodbye => (null, ConnectionEnd.HeadGoodbye(goodbye.Code, goodbye.Message)),
                var other => (null, ConnectionEnd.ProtocolError(ProtocolErrors.Unexpected, $"the head's first frame was {other.Kind}; it must be Welcome.")),
            };
        }
        catch (ProtocolException exception)
        {
            return (null, ConnectionEnd.ProtocolError(exception));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return (null, ConnectionEnd.HeadLost(string.Create(CultureInfo.InvariantCulture, $"no Welcome from the head within {_options.WelcomeTimeout.TotalSeconds:0.###} s")));
        }
        catch (IOException exception)
        {
            return (null, ConnectionEnd.HeadLost($"reading from the head failed: {exception.Message}"));
        }
    }

    /// <summary>
    /// The machine is going away: Drain tells the head, once, which requeues every attempt this worker holds and
    /// withdraws them (Cancel), then sends Shutdown. From now on no queued attempt is started.
    /// </summary>
    private async Task DrainOnNoticeAsync(Task<Spot.SpotNotice> notice)
    {
        Spot.SpotNotice given;
        try
        {
            given = await notice.WaitAsync(_stopReading.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (_end.Task.IsCompleted)
        {
            return;
        }

        double left = Math.Clamp((given.Time - _time.GetUtcNow()).TotalMilliseconds, 0, uint.MaxValue);
        await _options.Diagnostics.WriteLineAsync($"grid worker: {given.Reason}: draining").ConfigureAwait(false);
        await _outbox.SendAsync(new Drain((uint)left, given.Reason)).ConfigureAwait(false);

        // Only once Drain is ahead of them in the outbox: an attempt answered unrun before the head knows why
        // would read as a timeout.
        _draining = true;
    }

    /// <summary>Ends the connection; the first reason wins.</summary>
    private void End(ConnectionEnd end) => _end.TrySetResult(end);

    private async Task WatchOutputAsync()
    {
        var exception = await _outbox.Broken.ConfigureAwait(false);
        End(ConnectionEnd.HeadLost($"writing to the head failed: {exception.Message}"));
    }

    /// <summary>
    /// The head is gone or broke the protocol: queued attempts are dropped, running ones cancelled and given
    /// <see cref="AbandonGrace"/> to stop. A handler that ignores its token is left behind; the process exits anyway.
    /// </summary>
    private async Task AbandonAsync()
    {
        _abandoning = true;
        _queue.Writer.TryComplete();
        foreach (var attempt in _attempts.Values)
        {
            attempt.Cancel(CancelCause.WorkerStopping);
        }

        try
        {
            await _slots.WaitAsync(AbandonGrace, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}

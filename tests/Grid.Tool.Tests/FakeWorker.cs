using System.IO.Pipelines;
using Grid.Protocol;
using Grid.Protocol.Messages;
using Grid.Tool.Backends;

namespace Grid.Tool.Tests;

/// <summary>
/// A worker in the test's own process, scripted frame by frame, for the misbehaviours a real worker never
/// shows on purpose: garbage, stale results, silence.
/// </summary>
public sealed class FakeWorker : IWorkerHandle
{
    private readonly Pipe _toWorker = new();
    private readonly Pipe _fromWorker = new();
    private readonly TaskCompletionSource<WorkerExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _killed = new();

    public FakeWorker(Func<FakeWorker, CancellationToken, Task> script)
    {
        Input = _toWorker.Writer.AsStream();
        Output = _fromWorker.Reader.AsStream();
        Reader = new FrameReader(_toWorker.Reader);
        _ = RunAsync(script);
    }

    public Stream Input { get; }

    public Stream Output { get; }

    public string Location => "in-process fake";

    public Task<WorkerExit> Exited => _exited.Task;

    public FrameReader Reader { get; }

    public async Task SendAsync(IMessage message)
    {
        FrameWriter.Write(_fromWorker.Writer, message);
        await _fromWorker.Writer.FlushAsync();
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _fromWorker.Writer.WriteAsync(bytes);
    }

    /// <summary>Reads frames from the head until one of type T arrives.</summary>
    public async Task<T> ReceiveAsync<T>(CancellationToken cancellationToken)
        where T : class, IMessage
    {
        while (true)
        {
            var message = await Reader.ReadOneAsync(cancellationToken) ?? throw new EndOfStreamException("the head closed the stream");
            if (message is T wanted)
            {
                return wanted;
            }
        }
    }

    public Task HelloAsync(ushort slots = 1) =>
        SendAsync(new Hello(Protocol.Protocol.Version, Protocol.Protocol.Version, slots, 1, "fake", "test", ""));

    public void Kill() => _killed.Cancel();

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private async Task RunAsync(Func<FakeWorker, CancellationToken, Task> script)
    {
        try
        {
            // A script that returns is a worker that exits.
            await script(this, _killed.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or EndOfStreamException or InvalidOperationException or IOException)
        {
        }
        finally
        {
            await _fromWorker.Writer.CompleteAsync();
            _exited.TrySetResult(new WorkerExit(_killed.IsCancellationRequested ? 137 : 0, "fake ended"));
        }
    }
}

/// <summary>The first launch gets a fake; every later one a real worker process.</summary>
public sealed class FirstIsFakeLauncher(IWorkerLauncher real, Func<FakeWorker, CancellationToken, Task> script) : IWorkerLauncher
{
    private int _launches;

    public FakeWorker? Fake { get; private set; }

    /// <summary>The head's id for the fake: launches run concurrently, so it is not always w1.</summary>
    public string? FakeId { get; private set; }

    public string Describe(int workers) => "one fake worker, then real ones";

    public Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _launches) == 1)
        {
            FakeId = workerId;
            Fake = new FakeWorker(script);
            return Task.FromResult<IWorkerHandle>(Fake);
        }

        return real.LaunchAsync(workerId, cancellationToken);
    }
}

using System.IO.Pipelines;
using Grid.Protocol;
using Grid.Tool.Backends;

namespace Grid.Tool.Tests;

/// <summary>What the fault injector does with one frame.</summary>
public enum Fault
{
    Pass,
    Drop,
    Duplicate,

    /// <summary>Cut the connection: nothing more passes either way, and the worker is killed.</summary>
    Cut,
}

/// <summary>
/// Directional fault injection in the transport: every frame between the head and a worker is decoded and passed,
/// dropped, duplicated or delayed by the test's rules, or the connection is cut. The worker and the head are the
/// real ones; only the wire misbehaves.
/// </summary>
public sealed class FaultyLauncher(IWorkerLauncher inner, Func<IMessage, Fault>? fromWorker = null, Func<IMessage, Fault>? toWorker = null, Func<IMessage, TimeSpan>? delay = null) : IWorkerLauncher
{
    private int _dropped;
    private int _duplicated;
    private int _cut;

    private Func<IMessage, Fault>? FromWorker { get; } = fromWorker;

    private Func<IMessage, Fault>? ToWorker { get; } = toWorker;

    private Func<IMessage, TimeSpan>? Delay { get; } = delay;

    public int Dropped => _dropped;

    public int Duplicated => _duplicated;

    public int Cut => _cut;

    public string Describe(int workers) => inner.Describe(workers) + " over a faulty wire";

    public async Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken) =>
        new FaultyHandle(await inner.LaunchAsync(workerId, cancellationToken), this);

    private sealed class FaultyHandle : IWorkerHandle
    {
        private readonly IWorkerHandle _inner;
        private readonly FaultyLauncher _launcher;
        private readonly Pipe _toHead = new();
        private readonly Pipe _toWorker = new();
        private readonly CancellationTokenSource _cut = new();

        public FaultyHandle(IWorkerHandle inner, FaultyLauncher launcher)
        {
            _inner = inner;
            _launcher = launcher;
            _ = PumpAsync(inner.Output, _toHead.Writer, launcher.FromWorker, launcher.Delay);
            _ = PumpAsync(_toWorker.Reader.AsStream(), PipeWriter.Create(inner.Input), launcher.ToWorker, null);
        }

        public Stream Input => _toWorker.Writer.AsStream();

        public Stream Output => _toHead.Reader.AsStream();

        public string Location => _inner.Location + " (faulty wire)";

        public Task<WorkerExit> Exited => _inner.Exited;

        public void Kill() => _inner.Kill();

        public ValueTask DisposeAsync() => _inner.DisposeAsync();

        private async Task PumpAsync(Stream from, PipeWriter to, Func<IMessage, Fault>? rule, Func<IMessage, TimeSpan>? delay)
        {
            var reader = new FrameReader(from);
            try
            {
                while (!_cut.IsCancellationRequested)
                {
                    var message = await reader.ReadOneAsync(_cut.Token);
                    if (message is null)
                    {
                        break;
                    }

                    if (delay?.Invoke(message) is { } wait && wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _cut.Token);
                    }

                    switch (rule?.Invoke(message) ?? Fault.Pass)
                    {
                        case Fault.Drop:
                            Interlocked.Increment(ref _launcher._dropped);
                            continue;
                        case Fault.Duplicate:
                            Interlocked.Increment(ref _launcher._duplicated);
                            FrameWriter.Write(to, message);
                            break;
                        case Fault.Cut:
                            Interlocked.Increment(ref _launcher._cut);
                            await _cut.CancelAsync();
                            _inner.Kill();
                            return;
                    }

                    FrameWriter.Write(to, message);
                    await to.FlushAsync();
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ProtocolException or InvalidOperationException)
            {
            }
            finally
            {
                await to.CompleteAsync();
            }
        }
    }
}

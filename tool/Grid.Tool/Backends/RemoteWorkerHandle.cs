using System.Net.Security;
using System.Net.Sockets;
using Grid.Protocol.Messages;

namespace Grid.Tool.Backends;

/// <summary>
/// A worker that dialed the head, as the head sees it: one TLS connection carrying frames both ways. The worker has
/// "exited" when its connection ends (there is no exit code to read); killing it closes the connection.
/// </summary>
/// <remarks>
/// <see cref="RemoteWorkerPool"/> has already read the worker's Hello to check its token; the head reads that frame
/// again from <see cref="Output"/>, exactly as it came. From then until the head answers, the worker sends nothing,
/// so one read is kept pending on the connection: if it ends, the connection is known dead while the worker waits in
/// the pool, and a waiting worker that is handed out later is not a dead one.
/// </remarks>
public sealed class RemoteWorkerHandle : IWorkerHandle
{
    private readonly Socket _socket;
    private readonly SslStream _tls;
    private readonly TaskCompletionSource<WorkerExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _peeked = new byte[1];
    private readonly Task<int> _peek;

    internal RemoteWorkerHandle(Socket socket, SslStream tls, Hello hello, byte[] helloFrame)
    {
        _socket = socket;
        _tls = tls;
        Hello = hello;
        string remote = socket.RemoteEndPoint?.ToString() ?? "unknown address";
        Location = $"{remote} ({(hello.WorkerName.Length > 0 ? hello.WorkerName + ", " : "")}pid {hello.ProcessId})";
        Input = new SendOnlyStream(tls);
        Output = new ReceiveSide(this, helloFrame);
        _peek = PeekAsync();
    }

    /// <summary>The Hello the worker opened with.</summary>
    public Hello Hello { get; }

    public Stream Input { get; }

    public Stream Output { get; }

    /// <summary>The worker's address, name and process id: <c>10.0.3.7:51234 (ip-10-0-3-7, pid 4242)</c>.</summary>
    public string Location { get; }

    /// <summary>A TLS read returns at most one record: 16 KiB of plaintext.</summary>
    public int ReadBufferBytes => 16 * 1024;

    public Task<WorkerExit> Exited => _exited.Task;

    /// <summary>True once the connection is known to have ended.</summary>
    public bool IsClosed => _exited.Task.IsCompleted;

    public void Kill()
    {
        _socket.Dispose();
        Ended("connection closed by the head");
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _tls.DisposeAsync().ConfigureAwait(false);
    }

    private void Ended(string how) => _exited.TrySetResult(new WorkerExit(null, how));

    private async Task<int> PeekAsync()
    {
        try
        {
            int read = await _tls.ReadAsync(_peeked).ConfigureAwait(false);
            if (read == 0)
            {
                Ended("connection closed");
            }

            return read;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Ended($"connection broken: {e.Message}");
            throw;
        }
    }

    /// <summary>Frames from the worker: the Hello already read, the byte of the pending read, then the connection. Its end is the worker's exit.</summary>
    private sealed class ReceiveSide(RemoteWorkerHandle owner, byte[] helloFrame) : Stream
    {
        private int _helloOffset;
        private bool _peekTaken;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (_helloOffset < helloFrame.Length)
            {
                int n = Math.Min(buffer.Length, helloFrame.Length - _helloOffset);
                helloFrame.AsMemory(_helloOffset, n).CopyTo(buffer);
                _helloOffset += n;
                return n;
            }

            if (!_peekTaken)
            {
                _peekTaken = true;
                int peeked = await owner._peek.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (peeked == 0)
                {
                    return 0;
                }

                buffer.Span[0] = owner._peeked[0];
                return 1;
            }

            try
            {
                int read = await owner._tls.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    owner.Ended("connection closed");
                }

                return read;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                owner.Ended($"connection broken: {e.Message}");
                throw;
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

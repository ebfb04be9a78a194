using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Grid.Tool.Backends;

namespace Grid.Bench.Cloud;

/// <summary>
/// A worker that dialled the head over TLS, as the head sees it: the same duplex stream in both directions. The
/// worker has "exited" when its connection ends; killing it closes the connection.
/// </summary>
internal sealed class TlsWorkerHandle : IWorkerHandle
{
    private readonly Socket _socket;
    private readonly SslStream _tls;
    private readonly TaskCompletionSource<WorkerExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TlsWorkerHandle(Socket socket, SslStream tls)
    {
        _socket = socket;
        _tls = tls;
        Location = socket.RemoteEndPoint?.ToString() ?? "tls";
        Input = new SendOnlyStream(tls);
        Output = new ReceiveSide(this, tls);
    }

    public Stream Input { get; }

    public Stream Output { get; }

    public string Location { get; }

    public int ReadBufferBytes => RemoteWorkerHandle.TlsReadBytes;

    public Task<WorkerExit> Exited => _exited.Task;

    public void Kill()
    {
        _socket.Dispose();
        _exited.TrySetResult(new WorkerExit(null, "connection closed by the head"));
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _tls.DisposeAsync().ConfigureAwait(false);
    }

    private void Ended(string how) => _exited.TrySetResult(new WorkerExit(0, how));

    /// <summary>Frames from the worker; its end is the worker's exit.</summary>
    private sealed class ReceiveSide(TlsWorkerHandle owner, SslStream tls) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // Pooled, so the wrapper adds no allocation per read to the head being measured.
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                int read = await tls.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    owner.Ended("the worker closed the connection");
                }

                return read;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                owner.Ended($"the connection failed: {e.Message}");
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

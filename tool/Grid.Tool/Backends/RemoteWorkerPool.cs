using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Grid.Protocol;
using Grid.Protocol.Messages;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Backends;

/// <summary>
/// Workers that dial the head: a TLS listener whose connections become the scheduler's workers. The scheduler's
/// <see cref="LaunchAsync"/> means "one more worker, please": the pool asks its <see cref="IWorkerCapacity"/> for a
/// machine (wants that come close together are asked for at once) and hands over the next worker that dials in and
/// proves it belongs to the run, whichever machine it runs on. A worker that dials in while nobody waits is kept
/// for the next want; one that redials after its connection broke fills a want without a new machine.
/// </summary>
/// <remarks>
/// Admission, per connection and concurrently, within <see cref="RemoteWorkerPoolOptions.AdmissionTimeout"/>: the
/// TLS handshake, then the worker's Hello, whose token must be the run's (else Goodbye GRID6009). A client that
/// stalls, speaks no TLS or sends anything else is cut off (GRID6021) and never reaches the scheduler, so it
/// neither takes a worker's place nor costs a machine.
/// </remarks>
public sealed class RemoteWorkerPool : IWorkerLauncher, IAsyncDisposable
{
    /// <summary>The largest Hello there can be: its fixed fields and three strings at their limit.</summary>
    private const int MaxHelloBytes = 2 + 2 + 2 + 4 + (3 * (2 + Protocol.Protocol.MaxStringBytes));

    private readonly RunCredentials _credentials;
    private readonly IWorkerCapacity _capacity;
    private readonly RemoteWorkerPoolOptions _options;
    private readonly TcpListener _listener;
    private readonly SslServerAuthenticationOptions _tls;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource<RemoteWorkerHandle>> _waiting = new();
    private readonly Queue<RemoteWorkerHandle> _idle = new();
    private readonly Task _acceptLoop;
    private bool _requestScheduled;
    private int _requested;
    private int _admitted;
    private int _refused;
    private int _disposed;

    /// <param name="credentials">The run's certificate and token.</param>
    /// <param name="capacity">Makes the capacity from what its workers need to dial in (the port is known only once listening).</param>
    public RemoteWorkerPool(RunCredentials credentials, Func<HeadContact, IWorkerCapacity> capacity, RemoteWorkerPoolOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(capacity);
        _credentials = credentials;
        _options = options ?? new RemoteWorkerPoolOptions();
        _tls = new SslServerAuthenticationOptions
        {
            // Built once: no chain is built per handshake, which matters when a thousand workers dial in at once.
            ServerCertificateContext = SslStreamCertificateContext.Create(credentials.Certificate, additionalCertificates: null),
            EnabledSslProtocols = SslProtocols.Tls13,
            ClientCertificateRequired = false,
        };
        _listener = new TcpListener(_options.Endpoint);
        _listener.Start(backlog: 4096);
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        Contact = new HeadContact(Endpoint, credentials.Pin, credentials.Token);
        _capacity = capacity(Contact);
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where the pool listens (with the port the system chose).</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>What workers need to dial in.</summary>
    public HeadContact Contact { get; }

    /// <summary>Workers are checked against the run's token (<see cref="Head.SchedulerOptions.RunToken"/>).</summary>
    public string? RunToken => _credentials.Token;

    /// <summary>Connections that proved they belong to the run.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Connections cut off: a failed or slow handshake, a wrong token, something other than Hello.</summary>
    public int Refused => Volatile.Read(ref _refused);

    public string Describe(int workers) => $"{_capacity.Describe(workers)}, dialing the head on port {Endpoint.Port} over TLS";

    public async Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken)
    {
        TaskCompletionSource<RemoteWorkerHandle> waiter;
        LinkedListNode<TaskCompletionSource<RemoteWorkerHandle>> node;
        lock (_gate)
        {
            while (_idle.TryDequeue(out var early))
            {
                if (!early.IsClosed)
                {
                    return early;
                }

                _ = early.DisposeAsync().AsTask();
            }

            waiter = new TaskCompletionSource<RemoteWorkerHandle>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast(waiter);
            ScheduleRequest();
        }

        using var timeout = new CancellationTokenSource(_options.ProvisioningTimeout, _options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, _stop.Token);
        try
        {
            return await waiter.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (node.List is not null)
                {
                    _waiting.Remove(node);
                }
            }

            // A worker handed over as the wait ended is not lost: it goes back for the next want.
            if (waiter.Task.IsCompletedSuccessfully)
            {
                Admit(waiter.Task.Result, dialedIn: false);
            }

            if (!timeout.IsCancellationRequested)
            {
                throw;
            }

            throw new GridException(ErrorCodes.WorkerNotProvisioned,
                $"no worker dialed in within {_options.ProvisioningTimeout.TotalMinutes:0.#} min of asking for one ({_capacity.Describe(1)}, port {Endpoint.Port}). Check that the machines start, that they reach the head's port, and their console output.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        RemoteWorkerHandle[] idle;
        lock (_gate)
        {
            idle = [.. _idle];
            _idle.Clear();
        }

        // Workers that dialed in but were never needed are sent home: a session with no tasks, so they exit 0
        // rather than dial a head that is gone until their silence allowance runs out.
        await Task.WhenAll(idle.Select(SendHomeAsync)).ConfigureAwait(false);
        (_capacity as IDisposable)?.Dispose();
        if (_capacity is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    /// <summary>Asks the capacity, once the request delay has passed, for every want that no worker has filled.</summary>
    private void ScheduleRequest()
    {
        if (_requestScheduled)
        {
            return;
        }

        _requestScheduled = true;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(_options.RequestDelay, _options.Time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            int count;
            lock (_gate)
            {
                _requestScheduled = false;
                count = _waiting.Count - _requested;
                _requested += Math.Max(0, count);
            }

            if (count <= 0)
            {
                return;
            }

            try
            {
                await _capacity.RequestAsync(count, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                // The capacity refused: the wants it was asked for fail now rather than at the provisioning timeout.
                lock (_gate)
                {
                    _requested = Math.Max(0, _requested - count);
                    for (int i = 0; i < count && _waiting.First is { } first; i++)
                    {
                        _waiting.RemoveFirst();
                        first.Value.TrySetException(e);
                    }
                }
            }
        });
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (SocketException) when (!_stop.IsCancellationRequested)
            {
                // A connection reset before it was accepted: nothing to do with the others.
                continue;
            }

            _ = AdmitAsync(socket);
        }
    }

    /// <summary>TLS, then Hello with the run's token, within the admission timeout; anything else is cut off.</summary>
    private async Task AdmitAsync(Socket socket)
    {
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        string remote = socket.RemoteEndPoint?.ToString() ?? "unknown address";
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        using var timeout = new CancellationTokenSource(_options.AdmissionTimeout, _options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stop.Token);
        string? refusal;
        try
        {
            await tls.AuthenticateAsServerAsync(_tls, linked.Token).ConfigureAwait(false);
            var header = new byte[Protocol.Protocol.HeaderBytes];
            await tls.ReadExactlyAsync(header, linked.Token).ConfigureAwait(false);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            if ((FrameKind)header[4] != FrameKind.Hello || length > MaxHelloBytes)
            {
                refusal = await RefuseAsync(tls, ProtocolErrors.Unexpected, "the first frame on a worker connection must be Hello.", linked.Token).ConfigureAwait(false);
            }
            else
            {
                var frame = new byte[header.Length + length];
                header.CopyTo(frame, 0);
                await tls.ReadExactlyAsync(frame.AsMemory(header.Length), linked.Token).ConfigureAwait(false);
                var hello = (Hello)FrameDecoder.Decode(FrameKind.Hello, frame.AsSpan(header.Length));
                if (!RunCredentials.TokenMatches(_credentials.Token, hello.Token))
                {
                    refusal = await RefuseAsync(tls, ProtocolErrors.BadToken, "the worker presented a wrong run token: it is not one of this run's workers.", linked.Token).ConfigureAwait(false);
                }
                else
                {
                    Interlocked.Increment(ref _admitted);
                    Admit(new RemoteWorkerHandle(socket, tls, hello, frame), dialedIn: true);
                    return;
                }
            }
        }
        catch (ProtocolException e)
        {
            refusal = await RefuseAsync(tls, e.Code, e.Message, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            refusal = timeout.IsCancellationRequested
                ? $"no TLS handshake and Hello within {_options.AdmissionTimeout.TotalSeconds:0.#} s"
                : $"the TLS handshake or Hello failed: {e.Message}";
        }

        Interlocked.Increment(ref _refused);
        await tls.DisposeAsync().ConfigureAwait(false);
        if (!_stop.IsCancellationRequested)
        {
            _options.Notice($"{ErrorCodes.WorkerConnectionRefused}: a connection from {remote} was refused: {refusal}");
        }
    }

    /// <summary>Says Goodbye with the code, as far as the connection lets it; returns the refusal's description.</summary>
    private static async Task<string> RefuseAsync(SslStream tls, string code, string message, CancellationToken cancellationToken)
    {
        try
        {
            await tls.WriteAsync(FrameWriter.ToArray(new Goodbye(code, message)), cancellationToken).ConfigureAwait(false);
            await tls.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }

        return $"{code}: {message}";
    }

    /// <summary>A worker that proved itself goes to the longest want, or waits for the next.</summary>
    private void Admit(RemoteWorkerHandle worker, bool dialedIn)
    {
        lock (_gate)
        {
            if (dialedIn)
            {
                // Whichever machine it came from, it fills one want: fewer are still to come.
                _requested = Math.Max(0, _requested - 1);
            }

            while (_waiting.First is { } first)
            {
                _waiting.RemoveFirst();
                if (first.Value.TrySetResult(worker))
                {
                    return;
                }
            }

            if (!_stop.IsCancellationRequested)
            {
                _idle.Enqueue(worker);
                return;
            }
        }

        _ = SendHomeAsync(worker);
    }

    private async Task SendHomeAsync(RemoteWorkerHandle worker)
    {
        if (!worker.IsClosed)
        {
            try
            {
                var bye = new Welcome(Protocol.Protocol.Version, 0, 0, _credentials.RunId, "unneeded");
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await worker.Input.WriteAsync(FrameWriter.ToArray(bye), timeout.Token).ConfigureAwait(false);
                await worker.Input.WriteAsync(FrameWriter.ToArray(Shutdown.Instance), timeout.Token).ConfigureAwait(false);
                await worker.Input.FlushAsync(timeout.Token).ConfigureAwait(false);
                await worker.Exited.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or TimeoutException)
            {
            }
        }

        await worker.DisposeAsync().ConfigureAwait(false);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Grid.Tool.Backends;

/// <summary>
/// Capacity on this machine for a <see cref="RemoteWorkerPool"/>: each requested worker is a local process that
/// dials the head over loopback TLS (<c>--grid-worker --grid-connect 127.0.0.1:PORT --grid-pin PIN</c>, the token in
/// <c>GRID_RUN_TOKEN</c>), exactly as a cloud machine's worker does. For tests and the benchmark.
/// </summary>
public sealed class LocalDialCapacity : IWorkerCapacity, IAsyncDisposable
{
    /// <summary>At the end, started processes get this long to exit on their own before they are killed.</summary>
    public static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(10);

    private readonly HeadContact _head;
    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Func<string, TextWriter> _stderrFor;
    private readonly List<Process> _processes = [];
    private readonly HashSet<string> _killed = [];
    private int _started;

    /// <param name="head">Where the workers dial.</param>
    /// <param name="fileName">The program, e.g. the dotnet host.</param>
    /// <param name="arguments">Its arguments before the worker's own, e.g. the app's dll and <c>--grid-slots 2</c>.</param>
    /// <param name="environment">Added to the head's environment (e.g. <c>GRID_HEAD_SILENCE_SECONDS</c>).</param>
    /// <param name="stderrFor">Where a worker's stderr lines go, by its name (<c>dial-1</c>, <c>dial-2</c>, ...).</param>
    public LocalDialCapacity(HeadContact head, string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, Func<string, TextWriter> stderrFor)
    {
        _head = head;
        _fileName = fileName;
        _arguments = arguments;
        _environment = environment;
        _stderrFor = stderrFor;
    }

    /// <summary>The processes started so far, named by <c>GRID_WORKER_NAME</c>.</summary>
    public IReadOnlyList<(string Name, Process Process)> Started
    {
        get
        {
            lock (_processes)
            {
                return [.. _processes.Select((p, i) => (NameOf(i + 1), p))];
            }
        }
    }

    /// <summary>The processes that had not exited by the end and were killed.</summary>
    public IReadOnlySet<string> Killed
    {
        get
        {
            lock (_killed)
            {
                return new HashSet<string>(_killed);
            }
        }
    }

    public string Describe(int workers) => $"{workers} local worker process{(workers == 1 ? "" : "es")}";

    public Task RequestAsync(int count, CancellationToken cancellationToken)
    {
        for (int i = 0; i < count; i++)
        {
            Start();
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        var processes = Started.Select(p => p.Process).ToArray();
        try
        {
            await Task.WhenAll(processes.Select(p => p.WaitForExitAsync())).WaitAsync(ExitGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        // Workers that arrive after the run has ended find no head, and would dial for their silence allowance.
        foreach (var (name, process) in Started)
        {
            if (process.HasExited)
            {
                continue;
            }

            lock (_killed)
            {
                _killed.Add(name);
            }

            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }

            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    private static string NameOf(int number) => "dial-" + number.ToString(CultureInfo.InvariantCulture);

    private void Start()
    {
        string name = NameOf(Interlocked.Increment(ref _started));
        var start = new ProcessStartInfo(_fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _arguments.Concat(_head.WorkerArguments(Loopback())))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["GRID_RUN_TOKEN"] = _head.Token;
        start.Environment["GRID_WORKER_NAME"] = name;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {_fileName}");

        // Its stdin and stdout are not the protocol's; closed stdin is just no input.
        process.StandardInput.Close();
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        WorkerStderr.Forward(process, _stderrFor(name));
        lock (_processes)
        {
            _processes.Add(process);
        }
    }

    private string Loopback() => _head.Endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !_head.Endpoint.Address.Equals(IPAddress.IPv6Any)
        ? IPAddress.IPv6Loopback.ToString()
        : IPAddress.Loopback.ToString();
}

using System.Diagnostics;

namespace Grid.Tool.Backends;

/// <summary>
/// Runs workers as child processes of the head: <c>dotnet app.dll --grid-worker</c>, with frames on the
/// child's stdin/stdout and its stderr copied to the worker's log.
/// </summary>
public sealed class LocalProcessLauncher : IWorkerLauncher
{
    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Func<string, TextWriter> _stderrFor;

    /// <param name="fileName">The program, e.g. the dotnet host.</param>
    /// <param name="arguments">Its arguments, e.g. the app's dll, then <c>--grid-worker</c>.</param>
    /// <param name="environment">Added to the head's environment.</param>
    /// <param name="stderrFor">Where a worker's stderr lines go, by worker id.</param>
    public LocalProcessLauncher(string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, Func<string, TextWriter> stderrFor)
    {
        _fileName = fileName;
        _arguments = arguments;
        _environment = environment;
        _stderrFor = stderrFor;
    }

    public string Describe(int workers) => $"{workers} local worker process{(workers == 1 ? "" : "es")} of {Path.GetFileName(_arguments.FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal)) ?? _fileName)}";

    public Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in _environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["GRID_WORKER_ID"] = workerId;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {_fileName}");
        return Task.FromResult<IWorkerHandle>(new ProcessWorker(process, WorkerStderr.Forward(process, _stderrFor(workerId))));
    }

    private sealed class ProcessWorker : IWorkerHandle
    {
        private readonly Process _process;
        private readonly WorkerStderr _stderr;
        private int _disposed;

        public ProcessWorker(Process process, WorkerStderr stderr)
        {
            _process = process;
            _stderr = stderr;
            Location = $"pid {process.Id}";
            Exited = WaitAsync();
        }

        public Stream Input => _process.StandardInput.BaseStream;

        public Stream Output => _process.StandardOutput.BaseStream;

        public string Location { get; }

        public Task<WorkerExit> Exited { get; }

        public int ProcessId => _process.Id;

        public void Kill()
        {
            if (Volatile.Read(ref _disposed) == 1)
            {
                return;
            }

            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }

        public async ValueTask DisposeAsync()
        {
            // The head disposes a worker when it closes and again when the run ends.
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            Kill();
            await Exited.ConfigureAwait(false);
            _process.Dispose();
        }

        private async Task<WorkerExit> WaitAsync()
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);
            return _stderr.Explain(WorkerExit.Of(_process.ExitCode));
        }
    }
}

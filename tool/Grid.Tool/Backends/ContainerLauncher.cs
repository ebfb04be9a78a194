using System.Diagnostics;
using System.Globalization;

namespace Grid.Tool.Backends;

/// <summary>
/// Runs workers as containers of the job's published image: <c>podman run --rm -i IMAGE --grid-worker</c>,
/// with frames over the container's stdin/stdout exactly as with a local process. Containers get no
/// network (a worker talks only to its head, over stdio) and carry labels naming the run, so a crashed head's
/// containers can be found.
/// </summary>
public sealed class ContainerLauncher : IWorkerLauncher
{
    private readonly ContainerRuntime _runtime;
    private readonly string _image;
    private readonly string _runId;
    private readonly int _slots;
    private readonly Func<string, TextWriter> _stderrFor;

    public ContainerLauncher(ContainerRuntime runtime, string image, string runId, int slots, Func<string, TextWriter> stderrFor)
    {
        _runtime = runtime;
        _image = image;
        _runId = runId;
        _slots = slots;
        _stderrFor = stderrFor;
    }

    public string Describe(int workers) => $"{workers} {_runtime.Name} container{(workers == 1 ? "" : "s")} of {_image}";

    public Task<IWorkerHandle> LaunchAsync(string workerId, CancellationToken cancellationToken)
    {
        string name = $"grid-{_runId}-{workerId}".ToLowerInvariant();
        var start = new ProcessStartInfo(_runtime.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "run", "--rm", "-i", "--network=none", "--name", name,
            "--label", $"grid.run={_runId}", "--label", $"grid.worker={workerId}",
            "-e", $"GRID_WORKER_ID={workerId}", "-e", $"GRID_RUN_ID={_runId}",
            _image, "--grid-worker", "--grid-slots", _slots.ToString(CultureInfo.InvariantCulture),
        ];
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {_runtime.Path}");
        return Task.FromResult<IWorkerHandle>(new ContainerWorker(process, _runtime, name, WorkerStderr.Forward(process, _stderrFor(workerId))));
    }

    private sealed class ContainerWorker : IWorkerHandle
    {
        private readonly Process _client;
        private readonly ContainerRuntime _runtime;
        private readonly string _name;
        private readonly WorkerStderr _stderr;
        private int _killed;
        private int _disposed;

        public ContainerWorker(Process client, ContainerRuntime runtime, string name, WorkerStderr stderr)
        {
            _client = client;
            _runtime = runtime;
            _stderr = stderr;
            _name = name;
            Exited = WaitAsync();
        }

        public Stream Input => _client.StandardInput.BaseStream;

        public Stream Output => _client.StandardOutput.BaseStream;

        public string Location => $"container {_name}";

        public Task<WorkerExit> Exited { get; }

        /// <summary>
        /// Killing the client alone would leave the container running under the engine's monitor, so the
        /// container itself is removed by force, and the client killed too.
        /// </summary>
        public void Kill()
        {
            if (Interlocked.Exchange(ref _killed, 1) == 1)
            {
                return;
            }

            _ = Task.Run(async () =>
            {
                await _runtime.RunAsync(["rm", "-f", "-t", "0", _name], CancellationToken.None).ConfigureAwait(false);
                try
                {
                    _client.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            });
        }

        public async ValueTask DisposeAsync()
        {
            // The head disposes a worker when it closes and again when the run ends.
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            if (!Exited.IsCompleted)
            {
                Kill();
            }

            await Exited.ConfigureAwait(false);
            _client.Dispose();
        }

        private async Task<WorkerExit> WaitAsync()
        {
            await _client.WaitForExitAsync().ConfigureAwait(false);
            int code = _client.ExitCode;
            // 125–127 are the engine's own: it could not run the container at all.
            return _stderr.Explain(code switch
            {
                125 => new WorkerExit(code, "the container engine failed (exit 125; its message is in this worker's log)"),
                126 or 127 => new WorkerExit(code, $"the container could not be started (exit {code}; the engine's message is in this worker's log)"),
                _ => WorkerExit.Of(code),
            });
        }
    }
}

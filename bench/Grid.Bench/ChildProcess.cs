using System.Diagnostics;

namespace Grid.Bench;

/// <summary>
/// A process this bench started. Disposing kills it if it still runs and waits for it by its id, so no run leaves
/// a process (or a zombie) behind.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task _logging;

    private ChildProcess(Process process, Task logging)
    {
        _process = process;
        _logging = logging;
    }

    public int Id => _process.Id;

    /// <summary>The child's stdin.</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>The child's stdout, when it was not sent to a log file.</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    public int ExitCode => _process.ExitCode;

    /// <summary>The dotnet host running this bench: children run on the same runtime.</summary>
    public static string DotnetHost => Environment.ProcessPath ?? "dotnet";

    /// <summary>Starts this bench's own assembly in a child mode, with its stdin and stdout as pipes.</summary>
    public static ChildProcess StartSelf(params string[] args) =>
        Start(DotnetHost, [typeof(ChildProcess).Assembly.Location, .. args]);

    /// <summary>
    /// Starts a program. With <paramref name="logFile"/> its stdout and stderr are appended there; otherwise stdout
    /// is a pipe (<see cref="Output"/>) and stderr is this process's.
    /// </summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null, string? logFile = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = logFile is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var logging = Task.CompletedTask;
        if (logFile is not null)
        {
            var log = new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            var gate = new SemaphoreSlim(1);
            logging = Task.WhenAll(Copy(process.StandardOutput.BaseStream), Copy(process.StandardError.BaseStream))
                .ContinueWith(_ => log.Dispose(), TaskScheduler.Default);

            async Task Copy(Stream from)
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    await gate.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        await log.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
            }
        }

        return new ChildProcess(process, logging);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
        await _logging.ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Kills it (and what it started) if it still runs.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.WaitForExit();
        _logging.Wait(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }
}

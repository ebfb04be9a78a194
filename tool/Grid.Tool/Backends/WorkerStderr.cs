using System.Diagnostics;

namespace Grid.Tool.Backends;

/// <summary>Copies a worker process's stderr, line by line, to its log (written from the process's own reader thread, so it locks).</summary>
internal static class WorkerStderr
{
    public static void Forward(Process process, TextWriter log)
    {
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
    }
}

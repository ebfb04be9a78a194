using Grid.Tool.Diagnostics;

namespace Grid.Tool.Output;

/// <summary>
/// One head per run: an exclusive lock on the run folder's head.lock, held for the head's life and released
/// by the OS when the head dies, however it dies. A second head on the same run (a --resume while the first
/// still runs) is refused instead of interleaving two journals.
/// </summary>
public sealed class HeadLock : IDisposable
{
    private readonly FileStream _file;

    private HeadLock(FileStream file)
    {
        _file = file;
    }

    public static HeadLock Acquire(RunFolder folder)
    {
        Directory.CreateDirectory(folder.Path);
        string path = Path.Combine(folder.Path, "head.lock");
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            using (var writer = new StreamWriter(file, leaveOpen: true))
            {
                writer.WriteLine(Environment.ProcessId);
            }

            return new HeadLock(file);
        }
        catch (IOException)
        {
            string owner = ReadOwner(path);
            throw new GridException(ErrorCodes.RunLocked, $"run '{folder.RunId}' has a head running already{owner}. Wait for it, or stop it, before resuming.");
        }
    }

    public void Dispose() => _file.Dispose();

    private static string ReadOwner(string path)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return reader.ReadLine() is { Length: > 0 } pid ? $" (process {pid})" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}

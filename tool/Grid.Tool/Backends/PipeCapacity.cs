using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Grid.Tool.Backends;

/// <summary>
/// The size of the pipe a worker's frames come through, when they come through one (a local process, a container
/// client); any other stream is left alone. A Linux pipe holds 64 KiB unless asked for more, so
/// a 1 MiB result crosses in sixteen reads, each a wake-up of the worker and of the head; at 1 MiB it crosses in one.
/// Elsewhere, or where the system's limit (/proc/sys/fs/pipe-max-size) is lower, the pipe stays as it is.
/// </summary>
internal static class PipeCapacity
{
    /// <summary>The default limit for an unprivileged process on Linux.</summary>
    public const int Bytes = 1 << 20;

    private const int SetPipeSize = 1031; // F_SETPIPE_SZ in <fcntl.h>

    public static void TryGrow(Stream stream)
    {
        if (OperatingSystem.IsLinux() && stream is PipeStream pipe)
        {
            // -1 (EPERM, EBUSY) leaves the pipe as it was: only slower.
            _ = Fcntl(pipe.SafePipeHandle, SetPipeSize, Bytes);
        }
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(SafePipeHandle handle, int command, int argument);
}

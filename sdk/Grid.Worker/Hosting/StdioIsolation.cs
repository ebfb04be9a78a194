using System.ComponentModel;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Grid.Hosting;

/// <summary>
/// Takes stdin and stdout for the protocol so that nothing else in the process can touch them. On Linux and
/// macOS the protocol gets private, close-on-exec duplicates of fds 0 and 1; then fd 1 is pointed at stderr and
/// fd 0 at /dev/null, so native code, child processes and any writer that still holds fd 1 write to stderr
/// instead of into the frame stream, and nothing can read the head's frames by accident.
/// </summary>
internal static partial class StdioIsolation
{
    private const int StdinFd = 0;
    private const int StdoutFd = 1;
    private const int StderrFd = 2;

    public static (Stream Input, Stream Output) TakeStdio()
    {
        if (OperatingSystem.IsWindows())
        {
            // No fd juggling on Windows: Console.Out is captured like everywhere, but native writes to the
            // standard output handle would reach the head.
            return (Console.OpenStandardInput(), Console.OpenStandardOutput());
        }

        int input = DuplicateCloseOnExec(StdinFd);
        int output = DuplicateCloseOnExec(StdoutFd);
        Check(Native.dup2(StderrFd, StdoutFd), "dup2(2, 1)");
        using (var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read))
        {
            Check(Native.dup2((int)devNull.DangerousGetHandle(), StdinFd), "dup2(/dev/null, 0)");
        }

        return (
            new FileStream(new SafeFileHandle(input, ownsHandle: true), FileAccess.Read, bufferSize: 0),
            new FileStream(new SafeFileHandle(output, ownsHandle: true), FileAccess.Write, bufferSize: 0));
    }

    private static int DuplicateCloseOnExec(int fd)
    {
        int copy = Check(Native.dup(fd), $"dup({fd})");

        // Close-on-exec, so processes the handler starts do not inherit the protocol's streams. ioctl(FIOCLEX) takes
        // no variadic argument, unlike fcntl(F_SETFD, ...), so it is safe to call through P/Invoke everywhere.
        Check(Native.ioctl(copy, OperatingSystem.IsMacOS() ? Native.FioclexMacOS : Native.FioclexLinux), $"ioctl({copy}, FIOCLEX)");
        return copy;
    }

    private static int Check(int result, string call)
    {
        if (result < 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"Grid worker: {call} failed while taking stdio for the protocol.");
        }

        return result;
    }

    private static class Native
    {
        public const nuint FioclexLinux = 0x5451;
        public const nuint FioclexMacOS = 0x20006601;

        private const string Libc = "libc";

        static Native()
        {
            // "libc" is not a file name on every system (glibc calls it libc.so.6, musl otherwise); the process has
            // its C library loaded already, so look the symbols up there.
            NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, static (name, _, _) =>
                name == Libc ? NativeLibrary.GetMainProgramHandle() : IntPtr.Zero);
        }

        [DllImport(Libc, SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int dup(int fd);

        [DllImport(Libc, SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int dup2(int oldFd, int newFd);

        [DllImport(Libc, SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int ioctl(int fd, nuint request);
    }
}

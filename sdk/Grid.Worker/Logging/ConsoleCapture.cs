using Grid.Protocol.Messages;

namespace Grid.Logging;

/// <summary>Points <see cref="Console.Out"/> and <see cref="Console.Error"/> at log scopes, once per process.</summary>
internal static class ConsoleCapture
{
    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>
    /// Installs the capturing writers. Text written with no scope at all goes to stderr (the one stream, besides
    /// the protocol's, that the head reads).
    /// </summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (_installed)
            {
                return;
            }

            var fallback = Console.Error;
            Console.SetOut(new CapturingTextWriter(LogSource.Out, fallback));
            Console.SetError(new CapturingTextWriter(LogSource.Error, fallback));
            _installed = true;
        }
    }
}

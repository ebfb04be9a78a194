using Grid.Hosting;
using Grid.Protocol;

namespace Grid.Serving;

/// <summary>Why a worker connection ended, and so the exit code.</summary>
internal sealed record ConnectionEnd(int ExitCode, string? Code, string Message)
{
    /// <summary>Shutdown was received and every held task finished.</summary>
    public static ConnectionEnd Drained() => new(WorkerExitCodes.Success, null, "the head sent Shutdown and every task held finished");

    /// <summary>The head went away: stdin closed, stdout broken, or silence past the lease.</summary>
    public static ConnectionEnd HeadLost(string why) => new(WorkerExitCodes.HeadLost, null, why);

    /// <summary>The head broke the protocol; the worker says Goodbye with this code.</summary>
    public static ConnectionEnd ProtocolError(string code, string message) => new(WorkerExitCodes.ProtocolError, code, message);

    /// <summary>A protocol error found while reading; its message loses the code prefix, which Goodbye carries apart.</summary>
    public static ConnectionEnd ProtocolError(ProtocolException exception)
    {
        var prefix = exception.Code + ": ";
        var message = exception.Message.StartsWith(prefix, StringComparison.Ordinal) ? exception.Message[prefix.Length..] : exception.Message;
        return ProtocolError(exception.Code, message);
    }

    /// <summary>The head said Goodbye (a protocol error on its side).</summary>
    public static ConnectionEnd HeadGoodbye(string code, string message) => new(WorkerExitCodes.ProtocolError, null, $"the head said goodbye: {code}: {message}");

    /// <summary>The worker itself failed: a bug, reported with the exception on stderr.</summary>
    public static ConnectionEnd Crashed(Exception exception) => new(WorkerExitCodes.InternalError, null, $"the worker failed: {exception}");

    public bool IsDrained => ExitCode == WorkerExitCodes.Success;

    /// <summary>True when this worker must send Goodbye before closing.</summary>
    public bool SendsGoodbye => Code is not null;

    public string Describe() => Code is null ? Message : $"{Code}: {Message}";
}

namespace Grid.Hosting;

/// <summary>Exit codes of a Grid job; the head reads them when a worker process ends.</summary>
internal static class WorkerExitCodes
{
    /// <summary>Worker mode: the head sent Shutdown and every held task finished. Inline: the handler returned.</summary>
    public const int Success = 0;

    /// <summary>Inline: the handler threw, timed out, or the input could not be read.</summary>
    public const int TaskFailed = 1;

    /// <summary>The command line was not understood.</summary>
    public const int Usage = 2;

    /// <summary>Worker mode: the protocol was broken (by either side) or the versions do not match.</summary>
    public const int ProtocolError = 3;

    /// <summary>Worker mode over stdio: the head went away (stdin closed, stdout broken, or silence past the lease).</summary>
    public const int HeadLost = 4;

    /// <summary>Worker mode: the worker runtime itself failed (a bug in Grid, not in the handler).</summary>
    public const int InternalError = 5;

    /// <summary>
    /// Worker mode with <c>--grid-connect</c>: the head could not be reached, or stayed silent, for
    /// <c>GRID_HEAD_SILENCE_SECONDS</c> (600 by default), redialing all along. The run is over or its head is dead:
    /// a machine's boot script shuts the machine down on this code, so that nothing outlives its run.
    /// </summary>
    public const int HeadUnreachable = 6;
}

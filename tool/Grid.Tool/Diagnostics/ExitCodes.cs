namespace Grid.Tool.Diagnostics;

/// <summary>The tool's exit codes, documented in tool/README.md.</summary>
public static class ExitCodes
{
    /// <summary>Every task succeeded.</summary>
    public const int Success = 0;

    /// <summary>The run finished but some tasks failed, timed out or were quarantined.</summary>
    public const int TasksFailed = 1;

    /// <summary>Bad command line or bad input (a GRID5xxx error); nothing was started.</summary>
    public const int Usage = 2;

    /// <summary>The job did not build.</summary>
    public const int BuildFailed = 3;

    /// <summary>The run was aborted: workers could not be started or kept alive.</summary>
    public const int RunAborted = 4;

    /// <summary>Interrupted by Ctrl+C or SIGTERM; the run folder holds what was committed.</summary>
    public const int Interrupted = 130;

    /// <summary>A bug: GRID9000 with the exception.</summary>
    public const int Unexpected = 70;
}

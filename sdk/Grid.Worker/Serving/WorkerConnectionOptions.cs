using System.Runtime.InteropServices;

namespace Grid.Serving;

/// <summary>What a worker connection says about itself and what it runs on.</summary>
internal sealed record WorkerConnectionOptions
{
    /// <summary>Attempts run at once.</summary>
    public int Slots { get; init; } = Environment.ProcessorCount;

    public string WorkerName { get; init; } = Environment.MachineName;

    public uint ProcessId { get; init; } = (uint)Environment.ProcessId;

    public string Runtime { get; init; } = RuntimeInformation.FrameworkDescription;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the worker says why it stopped (stderr); never the protocol stream.</summary>
    public TextWriter Diagnostics { get; init; } = TextWriter.Null;

    /// <summary>
    /// True when this connection owns the process's console: prints that carry no scope at all (threads started
    /// before the worker) become Log frames of key 0 instead of going to stderr.
    /// </summary>
    public bool CaptureUntaggedOutput { get; init; }

    /// <summary>How long to wait for Welcome before taking the head for lost.</summary>
    public TimeSpan WelcomeTimeout { get; init; } = Grid.Protocol.Protocol.DefaultLease;

    /// <summary>The run's token, sent in Hello: empty over stdio, the per-run token over TLS.</summary>
    public string Token { get; init; } = "";

    /// <summary>
    /// Results not yet acknowledged. A worker that redials its head passes the same set to each connection, so
    /// what the last connection left unacknowledged is sent again on the next; null gives the connection its own.
    /// </summary>
    public UnackedResults? Unacked { get; init; }

    /// <summary>Completes when the machine is going away (a spot interruption notice): the connection sends Drain.</summary>
    public Task<Spot.SpotNotice>? Notice { get; init; }
}

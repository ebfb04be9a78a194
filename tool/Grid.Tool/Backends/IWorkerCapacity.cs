using System.Net;

namespace Grid.Tool.Backends;

/// <summary>
/// Brings up machines (or processes) whose workers dial the head: EC2 instances, AWS Batch jobs, local processes.
/// <see cref="RemoteWorkerPool"/> asks for them as the scheduler wants workers, and takes whichever dials in.
/// </summary>
public interface IWorkerCapacity
{
    /// <summary>What the workers are, for messages ("3 c7i.large spot instances").</summary>
    string Describe(int workers);

    /// <summary>Starts <paramref name="count"/> more workers; returns once they are asked for, not once they have dialed.</summary>
    Task RequestAsync(int count, CancellationToken cancellationToken);
}

/// <summary>What a worker needs to dial this run's head: where, which certificate to trust, and the token to present.</summary>
/// <param name="Endpoint">The address the head listens on (0.0.0.0 means every interface: give workers a reachable one).</param>
/// <param name="Pin">For <c>--grid-pin</c>.</param>
/// <param name="Token">For <c>GRID_RUN_TOKEN</c>.</param>
public sealed record HeadContact(IPEndPoint Endpoint, string Pin, string Token)
{
    /// <summary>The worker's arguments after the program: <c>--grid-worker --grid-connect HOST:PORT --grid-pin PIN</c>.</summary>
    public IReadOnlyList<string> WorkerArguments(string host) =>
        ["--grid-worker", "--grid-connect", $"{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{Endpoint.Port}", "--grid-pin", Pin];
}

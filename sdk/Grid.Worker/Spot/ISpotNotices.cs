namespace Grid.Spot;

/// <summary>A spot interruption notice: the machine will be stopped, hibernated or terminated at <see cref="Time"/>.</summary>
/// <param name="Action"><c>terminate</c>, <c>stop</c> or <c>hibernate</c>.</param>
internal sealed record SpotNotice(string Action, DateTimeOffset Time)
{
    /// <summary>The reason a Drain frame carries: <c>spot interruption: terminate at 2026-01-01T00:00:00Z</c>.</summary>
    public string Reason => $"spot interruption: {Action} at {Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
}

/// <summary>Where a worker asks whether its machine is about to be reclaimed (IMDSv2 on EC2; a fake in tests).</summary>
internal interface ISpotNotices
{
    /// <summary>The notice if there is one now; null if there is none (or the question could not be answered this time).</summary>
    Task<SpotNotice?> CheckAsync(CancellationToken cancellationToken);
}

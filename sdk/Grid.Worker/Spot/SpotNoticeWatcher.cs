namespace Grid.Spot;

/// <summary>Polls for a spot interruption notice and reports the first one; AWS gives about two minutes' warning.</summary>
internal static class SpotNoticeWatcher
{
    /// <summary>How often the notice is checked for, as AWS recommends.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>Completes with the first notice, or never (until <paramref name="cancellationToken"/> fires).</summary>
    public static async Task<SpotNotice> WatchAsync(ISpotNotices notices, TimeProvider time, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await notices.CheckAsync(cancellationToken).ConfigureAwait(false) is { } notice)
            {
                return notice;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}

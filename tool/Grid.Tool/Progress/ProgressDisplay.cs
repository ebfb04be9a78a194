using Grid.Tool.Head;

namespace Grid.Tool.Progress;

/// <summary>Shows a run's progress on stderr: a redrawn bar on a terminal, plain lines in logs and CI.</summary>
public abstract class ProgressDisplay
{
    protected ProgressDisplay(TextWriter error, TimeProvider time)
    {
        Error = error;
        Time = time;
    }

    protected TextWriter Error { get; }

    protected TimeProvider Time { get; }

    /// <summary>Picks the bar when stderr is a terminal and this is not CI.</summary>
    public static ProgressDisplay For(TextWriter error, TimeProvider time, bool errorIsTerminal)
    {
        string? ci = Environment.GetEnvironmentVariable("CI");
        bool inCi = ci is not null && !ci.Equals("false", StringComparison.OrdinalIgnoreCase) && ci != "0";
        bool dumb = Environment.GetEnvironmentVariable("TERM") == "dumb";
        return errorIsTerminal && !inCi && !dumb ? new TerminalProgress(error, time) : new PlainProgress(error, time);
    }

    /// <summary>A line of its own, above the bar.</summary>
    public abstract void Notice(string message);

    /// <summary>Called after each batch of scheduler events; implementations throttle.</summary>
    public abstract void Update(RunStatistics statistics);

    /// <summary>The run has ended: leave the display clean.</summary>
    public abstract void Finish(RunStatistics statistics);

    protected static string Counts(RunStatistics s)
    {
        string failed = s.Failed + s.TimedOut + s.Quarantined > 0 ? $", {s.Failed + s.TimedOut + s.Quarantined} failed" : "";
        return $"{s.Completed}/{s.Total} done{failed}, {s.Running} running, {s.LiveWorkers} worker{(s.LiveWorkers == 1 ? "" : "s")}";
    }

    protected double Rate(RunStatistics s)
    {
        double seconds = (Time.GetUtcNow() - s.StartedAt).TotalSeconds;
        return seconds <= 0 ? 0 : s.Completed / seconds;
    }
}

/// <summary>One line every few seconds and one per event: readable in a log file.</summary>
public sealed class PlainProgress : ProgressDisplay
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private DateTimeOffset _last;

    public PlainProgress(TextWriter error, TimeProvider time)
        : base(error, time)
    {
        _last = time.GetUtcNow();
    }

    public override void Notice(string message) => Error.WriteLine(message);

    public override void Update(RunStatistics statistics)
    {
        var now = Time.GetUtcNow();
        if (now - _last < Interval)
        {
            return;
        }

        _last = now;
        Error.WriteLine($"progress: {Counts(statistics)}, {Rate(statistics):0.#} tasks/s");
    }

    public override void Finish(RunStatistics statistics) => Error.Flush();
}

/// <summary>A bar redrawn in place about ten times a second.</summary>
public sealed class TerminalProgress : ProgressDisplay
{
    private const int BarWidth = 30;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private DateTimeOffset _last;
    private int _drawnLength;

    public TerminalProgress(TextWriter error, TimeProvider time)
        : base(error, time)
    {
    }

    public override void Notice(string message)
    {
        Clear();
        Error.WriteLine(message);
    }

    public override void Update(RunStatistics statistics)
    {
        var now = Time.GetUtcNow();
        if (now - _last < Interval)
        {
            return;
        }

        _last = now;
        Draw(statistics);
    }

    public override void Finish(RunStatistics statistics)
    {
        Draw(statistics);
        Error.WriteLine();
        _drawnLength = 0;
    }

    private void Draw(RunStatistics s)
    {
        int filled = s.Total == 0 ? BarWidth : (int)((long)s.Completed * BarWidth / s.Total);
        string bar = new string('█', filled) + new string('░', BarWidth - filled);
        double rate = Rate(s);
        string eta = rate > 0 && s.Completed < s.Total ? $", ETA {TimeSpan.FromSeconds(Math.Ceiling((s.Total - s.Completed) / rate)):g}" : "";
        string line = $"{bar} {Counts(s)}, {rate:0.#} tasks/s{eta}";
        Error.Write('\r' + line.PadRight(_drawnLength));
        _drawnLength = line.Length;
        Error.Flush();
    }

    private void Clear()
    {
        if (_drawnLength > 0)
        {
            Error.Write('\r' + new string(' ', _drawnLength) + '\r');
            _drawnLength = 0;
        }
    }
}

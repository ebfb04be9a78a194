using System.Globalization;

namespace Grid.Bench.ToolRuns;

/// <summary>
/// CPU time of a process and of each process it starts, split by role (head, worker, other), read from
/// /proc every 20 ms while they run. A process's last sample is at most one interval before it ends, so the
/// figures are a slight undercount; the report says so.
/// </summary>
internal sealed class ProcessTreeCpu : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);
    private static readonly double TicksPerSecond = 100.0; // USER_HZ: 100 on every Linux that .NET runs on.

    private readonly int _root;
    private readonly Dictionary<int, (string Role, double User, double System)> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ProcessTreeCpu(int root)
    {
        _root = root;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Seconds of user and system time by role, once stopped.</summary>
    public Dictionary<string, double> Totals()
    {
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (role, user, system) in _seen.Values)
        {
            totals[$"{role}_user_s"] = totals.GetValueOrDefault($"{role}_user_s") + user;
            totals[$"{role}_sys_s"] = totals.GetValueOrDefault($"{role}_sys_s") + system;
        }

        return totals;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Sample(_root, "head");
            try
            {
                await Task.Delay(Interval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void Sample(int pid, string role)
    {
        if (!TryRead(pid, out double user, out double system))
        {
            return;
        }

        _seen[pid] = (role, user, system);
        foreach (int child in Children(pid))
        {
            Sample(child, RoleOf(child));
        }
    }

    private string RoleOf(int pid)
    {
        // A child seen between fork and exec still shows its parent's command line: only a worker's role is final.
        if (_seen.TryGetValue(pid, out var known) && known.Role == "worker")
        {
            return known.Role;
        }

        try
        {
            string commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            return commandLine.Contains("--grid-worker", StringComparison.Ordinal) ? "worker" : "other";
        }
        catch (IOException)
        {
            return "other";
        }
    }

    private static IEnumerable<int> Children(int pid)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (IOException)
        {
            yield break;
        }
        catch (UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var task in tasks)
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return int.Parse(part, CultureInfo.InvariantCulture);
            }
        }
    }

    private static bool TryRead(int pid, out double user, out double system)
    {
        user = system = 0;
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        // Fields after the command name (which may hold spaces) start after the last ')': state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        user = long.Parse(fields[11], CultureInfo.InvariantCulture) / TicksPerSecond;
        system = long.Parse(fields[12], CultureInfo.InvariantCulture) / TicksPerSecond;
        return true;
    }
}

using System.Runtime.InteropServices;
using System.Text.Json;

namespace Grid.Tool.Reports;

/// <summary>A worker's place in the timeline: its rows, and how many of its attempts never started.</summary>
internal sealed record TimelineWorker(int Index, WorkerLife Life, int FirstRow, int Rows, int Queued);

/// <summary>
/// The Gantt chart of a run: every attempt that a slot took, packed into its worker's slot lanes. Up to
/// <see cref="MaxBars"/> attempts are drawn one bar each; past that the chart shows each lane's occupancy in
/// <see cref="Buckets"/> time buckets, coloured by the outcome that took most of the bucket, so the page stays
/// small and quick however many tasks the run had.
/// </summary>
internal sealed class Timeline
{
    public const int MaxBars = 20_000;

    /// <summary>Past this many lanes, each worker is one row (its lanes' average occupancy).</summary>
    public const int MaxLanes = 1_000;

    public const int Buckets = 800;

    private const int Outcomes = 6;

    private readonly RunData _data;
    private readonly int[] _lane;

    private Timeline(RunData data)
    {
        _data = data;
        _lane = new int[data.Attempts.Count];
    }

    public IReadOnlyList<TimelineWorker> Workers { get; private set; } = [];

    /// <summary>Lanes in use: at most each worker's slots.</summary>
    public int Lanes { get; private set; }

    /// <summary>Attempts a slot took (drawn as bars); the rest never started (drawn in the worker's queue row).</summary>
    public int StartedAttempts { get; private set; }

    public bool Aggregated { get; private set; }

    public bool RowPerWorker { get; private set; }

    public double BucketMs => (_data.End - _data.Origin) / (double)TimeSpan.TicksPerMillisecond / Buckets;

    public static Timeline Build(RunData data)
    {
        var timeline = new Timeline(data);
        timeline.Pack();
        return timeline;
    }

    /// <summary>
    /// Interval partitioning per worker: attempts in order of start go to the lowest-numbered lane that is
    /// free by then, which needs no more lanes than the most attempts that overlap. The head's clock can make
    /// neighbours overlap by a hair; a worker never gets more lanes than its slots, so such an attempt shares
    /// the lane that frees first.
    /// </summary>
    private void Pack()
    {
        var attempts = CollectionsMarshal.AsSpan(_data.Attempts);
        var order = new int[attempts.Length];
        int started = 0;
        for (int i = 0; i < attempts.Length; i++)
        {
            _lane[i] = -1;
            if (attempts[i].Started >= 0)
            {
                order[started++] = i;
            }
        }

        StartedAttempts = started;

        // By start (ends break ties), then stably by worker: a counting sort keeps each worker's attempts in start order.
        var starts = new long[started];
        for (int k = 0; k < started; k++)
        {
            starts[k] = attempts[order[k]].Started;
        }

        Array.Sort(starts, order, 0, started);
        var firstOfWorker = new int[_data.Workers.Count + 1];
        for (int k = 0; k < started; k++)
        {
            firstOfWorker[attempts[order[k]].Worker + 1]++;
        }

        for (int w = 1; w < firstOfWorker.Length; w++)
        {
            firstOfWorker[w] += firstOfWorker[w - 1];
        }

        var byWorker = new int[started];
        for (int k = 0; k < started; k++)
        {
            byWorker[firstOfWorker[attempts[order[k]].Worker]++] = order[k];
        }

        order = byWorker;
        var lanesOf = new int[_data.Workers.Count];
        var free = new PriorityQueue<int, int>();
        var busy = new PriorityQueue<int, long>();
        for (int from = 0; from < started;)
        {
            int worker = attempts[order[from]].Worker;
            int to = from;
            while (to < started && attempts[order[to]].Worker == worker)
            {
                to++;
            }

            int slots = Math.Max(1, _data.Workers[worker].Slots);
            int opened = 0;
            free.Clear();
            busy.Clear();
            for (int k = from; k < to; k++)
            {
                ref readonly var span = ref attempts[order[k]];
                while (busy.TryPeek(out int lane, out long end) && end <= span.Started)
                {
                    busy.Dequeue();
                    free.Enqueue(lane, lane);
                }

                int chosen = free.TryDequeue(out int f, out _) ? f
                    : opened < slots ? opened++
                    : busy.Dequeue();
                _lane[order[k]] = chosen;
                busy.Enqueue(chosen, span.Ended);
            }

            lanesOf[worker] = opened;
            from = to;
        }

        int queuedTotal = 0;
        var queued = new int[_data.Workers.Count];
        foreach (ref readonly var span in attempts)
        {
            if (span.Started < 0)
            {
                queued[span.Worker]++;
                queuedTotal++;
            }
        }

        Lanes = lanesOf.Sum();
        Aggregated = StartedAttempts + queuedTotal > MaxBars || Lanes > MaxLanes;
        RowPerWorker = Lanes > MaxLanes;
        var workers = new List<TimelineWorker>();
        int row = 0;
        foreach (int w in Enumerable.Range(0, _data.Workers.Count).Order(Comparer<int>.Create((a, b) => NaturalOrder.Compare(_data.Workers[a].Id, _data.Workers[b].Id))))
        {
            if (lanesOf[w] == 0 && queued[w] == 0 && !_data.Workers[w].Recorded)
            {
                continue;
            }

            int rows = RowPerWorker ? 1 : Math.Max(1, lanesOf[w]);
            workers.Add(new TimelineWorker(w, _data.Workers[w], row, rows, Aggregated ? 0 : queued[w]));
            row += rows;
        }

        Workers = workers;
    }

    public void WriteJson(Utf8JsonWriter json)
    {
        var attempts = CollectionsMarshal.AsSpan(_data.Attempts);
        var rowOfWorker = new int[_data.Workers.Count];
        var workerNumber = new int[_data.Workers.Count];
        json.WriteStartArray("workers");
        for (int i = 0; i < Workers.Count; i++)
        {
            var w = Workers[i];
            int index = w.Index;
            rowOfWorker[index] = w.FirstRow;
            workerNumber[index] = i;
            json.WriteStartObject();
            json.WriteString("id", w.Life.Id);
            json.WriteString("loc", w.Life.Location);
            json.WriteNumber("slots", w.Life.Slots);
            json.WriteNumber("row", w.FirstRow);
            json.WriteNumber("rows", w.Rows);
            json.WriteNumber("queued", w.Queued);
            WriteOffset(json, "launched", w.Life.Launched);
            WriteOffset(json, "ready", w.Life.Ready);
            WriteOffset(json, "ended", w.Life.Ended);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("rows", Workers.Count == 0 ? 0 : Workers[^1].FirstRow + Workers[^1].Rows);
        json.WriteBoolean("aggregated", Aggregated);
        json.WriteBoolean("rowPerWorker", RowPerWorker);
        if (!Aggregated)
        {
            json.WriteStartArray("bars");
            for (int i = 0; i < attempts.Length; i++)
            {
                ref readonly var span = ref attempts[i];
                if (span.Started < 0)
                {
                    continue;
                }

                json.WriteNumberValue(rowOfWorker[span.Worker] + _lane[i]);
                WriteAttempt(json, in span, span.Started);
            }

            json.WriteEndArray();
            json.WriteStartArray("queued");
            foreach (ref readonly var span in attempts)
            {
                if (span.Started < 0)
                {
                    json.WriteNumberValue(workerNumber[span.Worker]);
                    WriteAttempt(json, in span, span.Dispatched);
                }
            }

            json.WriteEndArray();
            return;
        }

        WriteBuckets(json, rowOfWorker);
    }

    /// <summary>[start, end, outcome, task, attempt, duration] after the row: times in ms from the run's start.</summary>
    private void WriteAttempt(Utf8JsonWriter json, in AttemptSpan span, long from)
    {
        json.WriteNumberValue(Ms(from));
        json.WriteNumberValue(Ms(span.Ended));
        json.WriteNumberValue((int)span.Outcome);
        json.WriteNumberValue(span.Task);
        json.WriteNumberValue(span.Attempt);
        json.WriteNumberValue(double.IsNaN(span.DurationMs) ? -1 : Math.Round(span.DurationMs, 1));
    }

    /// <summary>Per row, runs of buckets with the same majority outcome and occupancy level (1–4 quarters): [first, count, outcome, level, …].</summary>
    private void WriteBuckets(Utf8JsonWriter json, int[] rowOfWorker)
    {
        var attempts = CollectionsMarshal.AsSpan(_data.Attempts);
        int rows = Workers.Count == 0 ? 0 : Workers[^1].FirstRow + Workers[^1].Rows;
        var byRow = new int[attempts.Length];
        var rowOf = new int[attempts.Length];
        int count = 0;
        for (int i = 0; i < attempts.Length; i++)
        {
            if (attempts[i].Started >= 0)
            {
                rowOf[i] = rowOfWorker[attempts[i].Worker] + (RowPerWorker ? 0 : _lane[i]);
                byRow[count++] = i;
            }
        }

        Array.Sort(byRow, 0, count, Comparer<int>.Create((a, b) => rowOf[a].CompareTo(rowOf[b])));
        var lanesInRow = new int[rows];
        foreach (var w in Workers)
        {
            for (int r = 0; r < w.Rows; r++)
            {
                lanesInRow[w.FirstRow + r] = RowPerWorker ? Math.Max(1, w.Life.Slots) : 1;
            }
        }

        double width = (_data.End - _data.Origin) / (double)Buckets;
        var cover = new double[Buckets * Outcomes];
        json.WriteNumber("bucketMs", Math.Round(width / TimeSpan.TicksPerMillisecond, 3));
        json.WriteNumber("buckets", Buckets);
        json.WriteStartArray("cells");
        int k = 0;
        for (int row = 0; row < rows; row++)
        {
            Array.Clear(cover);
            for (; k < count && rowOf[byRow[k]] == row; k++)
            {
                ref readonly var span = ref attempts[byRow[k]];
                double s = (span.Started - _data.Origin) / width;
                double e = (span.Ended - _data.Origin) / width;
                int first = Math.Clamp((int)s, 0, Buckets - 1);
                int last = Math.Clamp((int)Math.Ceiling(e) - 1, first, Buckets - 1);
                for (int b = first; b <= last; b++)
                {
                    double overlap = Math.Min(e, b + 1) - Math.Max(s, b);
                    if (overlap > 0)
                    {
                        cover[(b * Outcomes) + (int)span.Outcome] += overlap;
                    }
                }
            }

            json.WriteStartArray();
            int runStart = -1, runOutcome = -1, runLevel = 0;
            for (int b = 0; b <= Buckets; b++)
            {
                int outcome = -1, level = 0;
                if (b < Buckets)
                {
                    double total = 0, best = 0;
                    for (int o = 0; o < Outcomes; o++)
                    {
                        double c = cover[(b * Outcomes) + o];
                        total += c;
                        if (c > best)
                        {
                            best = c;
                            outcome = o;
                        }
                    }

                    level = total <= 0 ? 0 : Math.Clamp((int)Math.Ceiling(total / lanesInRow[row] * 4 - 1e-9), 1, 4);
                }

                if (outcome == runOutcome && level == runLevel)
                {
                    continue;
                }

                if (runOutcome >= 0 && runLevel > 0)
                {
                    json.WriteNumberValue(runStart);
                    json.WriteNumberValue(b - runStart);
                    json.WriteNumberValue(runOutcome);
                    json.WriteNumberValue(runLevel);
                }

                runStart = b;
                runOutcome = outcome;
                runLevel = level;
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
    }

    private double Ms(long ticks) => Math.Round((ticks - _data.Origin) / (double)TimeSpan.TicksPerMillisecond, 1);

    private void WriteOffset(Utf8JsonWriter json, string name, long ticks)
    {
        if (ticks >= 0)
        {
            json.WriteNumber(name, Ms(ticks));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}

/// <summary>w2 before w10: names compared by their text, then by the number they end with.</summary>
internal static class NaturalOrder
{
    public static int Compare(string a, string b)
    {
        int na = DigitsAtEnd(a), nb = DigitsAtEnd(b);
        int byPrefix = string.CompareOrdinal(a[..^na], b[..^nb]);
        if (byPrefix != 0 || na == 0 || nb == 0)
        {
            return byPrefix != 0 ? byPrefix : string.CompareOrdinal(a, b);
        }

        int byNumber = a[^na..].TrimStart('0').Length.CompareTo(b[^nb..].TrimStart('0').Length);
        return byNumber != 0 ? byNumber : string.CompareOrdinal(a[^na..].TrimStart('0'), b[^nb..].TrimStart('0'));
    }

    private static int DigitsAtEnd(string s)
    {
        int n = 0;
        while (n < s.Length && char.IsAsciiDigit(s[s.Length - 1 - n]))
        {
            n++;
        }

        return n;
    }
}

using System.Runtime.InteropServices;
using System.Text.Json;

namespace Grid.Tool.Reports;

/// <summary>Running attempts over time (time-weighted mean per step, and the exact peak), against the slots of the workers that were ready.</summary>
internal sealed class Concurrency
{
    public const int Steps = 600;

    private readonly double[] _running = new double[Steps];
    private readonly double[] _capacity = new double[Steps];
    private readonly double _step;

    private Concurrency(RunData data)
    {
        _step = (data.End - data.Origin) / (double)Steps;
        var starts = new List<long>(data.Attempts.Count);
        var ends = new List<long>(data.Attempts.Count);
        foreach (ref readonly var span in CollectionsMarshal.AsSpan(data.Attempts))
        {
            if (span.Started >= 0 && span.Ended > span.Started)
            {
                Cover(_running, data.Origin, span.Started, span.Ended, 1);
                starts.Add(span.Started);
                ends.Add(span.Ended);
            }
        }

        foreach (var worker in data.Workers)
        {
            long from = worker.Ready >= 0 ? worker.Ready : -1;
            long to = worker.Ended >= 0 ? worker.Ended : data.End;
            if (from >= 0 && to > from)
            {
                Cover(_capacity, data.Origin, from, to, worker.Slots);
            }
        }

        // A sweep over starts and ends in time order; an end at the same instant as a start goes first, so a
        // slot handed straight on is not counted twice.
        var s = CollectionsMarshal.AsSpan(starts);
        var e = CollectionsMarshal.AsSpan(ends);
        s.Sort();
        e.Sort();
        int running = 0;
        for (int i = 0, j = 0; i < s.Length; i++)
        {
            while (j < e.Length && e[j] <= s[i])
            {
                running--;
                j++;
            }

            Peak = Math.Max(Peak, ++running);
        }
    }

    public int Peak { get; }

    public double StepMs => _step / TimeSpan.TicksPerMillisecond;

    public static Concurrency Of(RunData data) => new(data);

    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject("concurrency");
        json.WriteNumber("stepMs", Math.Round(StepMs, 3));
        json.WriteNumber("peak", Peak);
        Write(json, "running", _running);
        Write(json, "capacity", _capacity);
        json.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter json, string name, double[] values)
    {
        json.WriteStartArray(name);
        foreach (double v in values)
        {
            json.WriteNumberValue(Math.Round(v, 2));
        }

        json.WriteEndArray();
    }

    /// <summary>Adds weight × the share of each step that [from, to) covers.</summary>
    private void Cover(double[] into, long origin, long from, long to, double weight)
    {
        double s = (from - origin) / _step, e = (to - origin) / _step;
        int first = Math.Clamp((int)s, 0, Steps - 1);
        int last = Math.Clamp((int)Math.Ceiling(e) - 1, first, Steps - 1);
        for (int b = first; b <= last; b++)
        {
            double overlap = Math.Min(e, b + 1) - Math.Max(s, b);
            if (overlap > 0)
            {
                into[b] += weight * overlap;
            }
        }
    }
}

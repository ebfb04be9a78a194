using System.Text.Json;

namespace Grid.Tool.Reports;

/// <summary>A set of durations (ms): percentiles, and a histogram with linear bins, or logarithmic ones when they span more than two orders of magnitude.</summary>
internal sealed class Distribution
{
    public const int Bins = 40;

    private readonly double[] _sorted;

    /// <summary>Takes <paramref name="values"/> over (it is sorted in place); NaN (unknown) values are left out, negative ones count as 0.</summary>
    public Distribution(double[] values)
    {
        int n = 0;
        foreach (double v in values)
        {
            if (!double.IsNaN(v))
            {
                values[n++] = Math.Max(0, v);
            }
        }

        _sorted = n == values.Length ? values : values[..n];
        Array.Sort(_sorted);
        foreach (double v in _sorted)
        {
            Sum += v;
        }
    }

    public int Count => _sorted.Length;

    public double Mean => _sorted.Length == 0 ? 0 : Sum / _sorted.Length;

    public double Sum { get; private set; }

    public double Min => _sorted.Length == 0 ? 0 : _sorted[0];

    public double Max => _sorted.Length == 0 ? 0 : _sorted[^1];

    /// <summary>The nearest-rank percentile, <paramref name="p"/> in 0–100.</summary>
    public double Percentile(double p) => _sorted.Length == 0
        ? 0
        : _sorted[Math.Clamp((int)Math.Ceiling(p / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];

    /// <summary>{"log": bool, "edges": [Bins + 1], "counts": [Bins]}.</summary>
    public void WriteHistogram(Utf8JsonWriter json, string name)
    {
        json.WriteStartObject(name);
        double min = Min, max = Max;
        bool log = min > 0 && max / min > 100;
        var edges = new double[Bins + 1];
        if (log)
        {
            double a = Math.Log10(min), b = Math.Log10(max);
            for (int i = 0; i <= Bins; i++)
            {
                edges[i] = Math.Pow(10, a + ((b - a) * i / Bins));
            }
        }
        else
        {
            double from = 0, to = max > 0 ? max : 1;
            if (min > max * 0.5)
            {
                // A tight spread: start at the data, not at zero, so it is not one bar.
                from = min;
                to = Math.Max(max, min + 1e-3);
            }

            for (int i = 0; i <= Bins; i++)
            {
                edges[i] = from + ((to - from) * i / Bins);
            }
        }

        var counts = new int[Bins];
        int bin = 0;
        foreach (double v in _sorted)
        {
            while (bin < Bins - 1 && v >= edges[bin + 1])
            {
                bin++;
            }

            counts[bin]++;
        }

        json.WriteBoolean("log", log);
        json.WriteStartArray("edges");
        foreach (double e in edges)
        {
            json.WriteNumberValue(Math.Round(e, e < 10 ? 4 : 1));
        }

        json.WriteEndArray();
        json.WriteStartArray("counts");
        foreach (int c in counts)
        {
            json.WriteNumberValue(c);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}

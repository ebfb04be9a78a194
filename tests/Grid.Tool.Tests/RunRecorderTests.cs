using System.Text;
using System.Text.Json.Nodes;
using Grid.Tool.Head;
using Grid.Tool.Output;

namespace Grid.Tool.Tests;

public sealed class RunRecorderTests
{
    [Fact]
    public void LargeOutputsAreWrittenAsTheyAreBetweenTheirLinesNeighbours()
    {
        using var run = new ToolRun();
        var folder = new RunFolder(run.Directory, "large");
        string large = "{\"value\":\"" + new string('x', 1 << 20) + "\",\"n\":[1, 2]}";
        string notJson = "{\"cut\":\"" + new string('y', 200_000);
        var bodies = new[] { "{\"small\":1}", large, "42", large, notJson, "[]", large };

        using (var recorder = new RunRecorder(folder, _ => { }))
        {
            for (int i = 0; i < bodies.Length; i++)
            {
                recorder.Commit(Committed(i, bodies[i]));
            }
        }

        var lines = File.ReadAllLines(folder.Results);
        Assert.Equal(bodies.Length, lines.Length);
        Assert.Contains("\"output\":" + large + ",\"attempts\":1,", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"output\":" + large + ",\"attempts\":1,", lines[3], StringComparison.Ordinal);
        Assert.StartsWith("{\"id\":\"t6\",\"status\":\"succeeded\",\"output\":" + large, lines[6], StringComparison.Ordinal);
        Assert.Equal(notJson, (string?)JsonNode.Parse(lines[4])!["output"]);
        var results = ResultLine.ReadAll(folder.Results);
        Assert.Equal(Enumerable.Range(0, bodies.Length).Select(i => $"t{i}"), results.Select(r => r.Id));
        Assert.Equal(42, (int)results[2].Output!);
        Assert.Equal(1, (int)results[0].Output!["small"]!);
    }

    [Fact]
    public void LineTimesAndDurationsAreWhatUtf8JsonWriterWrites()
    {
        var random = new Random(7);
        var start = new DateTime(2026, 11, 21, 23, 59, 58, DateTimeKind.Utc);
        var values = new LineValues();
        var name = System.Text.Json.JsonEncodedText.Encode("t");
        var times = new List<DateTime> { start, start.AddTicks(1), start.AddTicks(10_000), start.AddTicks(1_234_500), start.AddSeconds(2).AddTicks(9_999_999) };
        for (int i = 0; i < 2000; i++)
        {
            // Runs of times within a second and across seconds, days and years, so the cached second is both reused and replaced.
            times.Add(start.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 400)));
            times.Add(times[^1].AddTicks(random.Next(0, 3_000_000)));
        }

        foreach (var time in times)
        {
            Assert.Equal(Written(json => json.WriteString(name, time)), Written(json => values.WriteTime(json, name, time)));
        }

        double[] durations = [0, 0.001, 0.0015, 0.999, 1, 1.5, 2.25, 10.0005, 123.456, 60_000, 3_600_000.001, 1e-7];
        foreach (double ms in durations.Concat(Enumerable.Range(0, 2000).Select(_ => random.Next(0, 100_000_000) / 1000.0)))
        {
            Assert.Equal(Written(json => json.WriteNumber(name, Math.Round(ms, 3))), Written(json => LineValues.WriteMilliseconds(json, name, ms)));
        }

        // What a duration can never be is still written, by the general formatter.
        Assert.Equal("{\"t\":-1.5}", Written(json => LineValues.WriteMilliseconds(json, name, -1.5)));
    }

    private static string Written(Action<System.Text.Json.Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static CommittedTask Committed(int index, string body)
    {
        var at = new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);
        return new CommittedTask(index, $"t{index}", TaskState.Succeeded, 1, "w1", at, at, at, 1.5, Encoding.UTF8.GetBytes(body));
    }
}

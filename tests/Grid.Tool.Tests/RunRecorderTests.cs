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
        var times = new List<DateTime> { start, start.AddTicks(1), start.AddTicks(10_000), start.AddTicks(1_234_500), start.AddSeconds(2).AddTicks(9_999_999) };
        for (int i = 0; i < 2000; i++)
        {
            // Runs of times within a second and across seconds, days and years, so the cached seconds are both reused and replaced.
            times.Add(start.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 400)));
            times.Add(times[^1].AddTicks(random.Next(0, 3_000_000)));
        }

        var text = new byte[64];
        foreach (var time in times)
        {
            Assert.Equal(Written(json => json.WriteStringValue(time)), Encoding.UTF8.GetString(text, 0, values.FormatTime(time, text)));
        }

        double[] durations = [0, 0.001, 0.0015, 0.999, 1, 1.5, 2.25, 10.0005, 123.456, 60_000, 3_600_000.001, 1e-7, -1.5, 1e16];
        foreach (double ms in durations.Concat(Enumerable.Range(0, 2000).Select(_ => random.Next(0, 100_000_000) / 1000.0)))
        {
            Assert.Equal(Written(json => json.WriteNumberValue(Math.Round(ms, 3))), Encoding.UTF8.GetString(text, 0, LineValues.FormatMilliseconds(ms, text)));
        }
    }

    [Fact]
    public void ResultLinesAreByteForByteWhatUtf8JsonWriterWrites()
    {
        var random = new Random(11);
        string[] ids = ["t1", "42", "tile-0001/a.tif", "quote\"d", "back\\slash", "<html>&'+`", "tâche-κλειδί-任务", "🛰️", "tab\tand\nnewline", ""];
        string[] workers = ["w1", "w1000", "wörker"];
        string[] bodies = ["", "{}", "{\"n\":1}", " [1, 2 ,3] ", "42", "\"text\"", "null", "{\"big\":\"" + new string('x', 100_000) + "\"}", "not json", "{\"cut\":"];
        var tasks = new List<CommittedTask>();
        var at = new DateTimeOffset(2026, 11, 21, 23, 59, 59, TimeSpan.Zero);
        for (int i = 0; i < 600; i++)
        {
            var dispatched = at.AddTicks(random.NextInt64(0, 50_000_000));
            var started = dispatched.AddTicks(random.Next(0, 20_000_000));
            var ended = started.AddTicks(random.Next(0, 20_000_000));
            var status = (TaskState)random.Next((int)TaskState.Succeeded, (int)TaskState.Quarantined + 1);
            double ms = random.Next(4) == 0 ? random.NextDouble() * 1000 : random.Next(0, 10_000_000) / 1000.0;
            tasks.Add(new CommittedTask(i, ids[i % ids.Length] + (i / ids.Length), status, random.Next(1, 4), workers[i % workers.Length], dispatched, started, ended, ms, Encoding.UTF8.GetBytes(bodies[random.Next(bodies.Length)])));
        }

        using var run = new ToolRun();
        var folder = new RunFolder(run.Directory, "lines");
        using (var recorder = new RunRecorder(folder, _ => { }))
        {
            foreach (var task in tasks)
            {
                recorder.Commit(task);
            }
        }

        var expected = tasks.Select(task => Written(json => ReferenceLine(json, task))).ToArray();
        Assert.Contains(expected, line => line.Contains("\\u", StringComparison.Ordinal));
        Assert.Contains(expected, line => line.Length > 100_000);
        var actual = File.ReadAllLines(folder.Results);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    /// <summary>A results.jsonl line as the general writer makes it: what the head's hand-written lines must equal.</summary>
    private static void ReferenceLine(System.Text.Json.Utf8JsonWriter json, CommittedTask task)
    {
        json.WriteStartObject();
        json.WriteString("id", task.Id);
        json.WriteString("status", task.Status.ToStatus());
        json.WritePropertyName(task.Status == TaskState.Succeeded ? "output" : "error");
        if (task.Body.IsEmpty)
        {
            json.WriteNullValue();
        }
        else
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(task.Body);
                json.WriteRawValue(task.Body.Span, skipInputValidation: true);
            }
            catch (System.Text.Json.JsonException)
            {
                json.WriteStringValue(Encoding.UTF8.GetString(task.Body.Span));
            }
        }

        json.WriteNumber("attempts", task.Attempts);
        json.WriteString("worker", task.Worker);
        json.WriteString("dispatched", task.Dispatched.UtcDateTime);
        json.WriteString("started", task.Started.UtcDateTime);
        json.WriteString("ended", task.Ended.UtcDateTime);
        json.WriteNumber("durationMs", Math.Round(task.RunMilliseconds, 3));
        json.WriteEndObject();
    }

    /// <summary>What a Utf8JsonWriter writes when <paramref name="write"/> writes one value.</summary>
    private static string Written(Action<System.Text.Json.Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static CommittedTask Committed(int index, string body)
    {
        var at = new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);
        return new CommittedTask(index, $"t{index}", TaskState.Succeeded, 1, "w1", at, at, at, 1.5, Encoding.UTF8.GetBytes(body));
    }
}

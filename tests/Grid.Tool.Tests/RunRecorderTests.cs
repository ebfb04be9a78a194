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

    private static CommittedTask Committed(int index, string body)
    {
        var at = new DateTimeOffset(2026, 11, 21, 6, 0, 0, TimeSpan.Zero);
        return new CommittedTask(index, $"t{index}", TaskState.Succeeded, 1, "w1", at, at, at, 1.5, Encoding.UTF8.GetBytes(body));
    }
}

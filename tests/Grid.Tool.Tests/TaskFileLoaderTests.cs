using System.Text;
using Grid.Tool.Diagnostics;
using Grid.Tool.Tasks;

namespace Grid.Tool.Tests;

public sealed class TaskFileLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("grid-tasks-").FullName;

    [Fact]
    public void IdsAreReadVerbatimUnescapedNumericOrByLineAndInputsAreTheLines()
    {
        string path = Write("""
            {"id":"plain","x":1}
            {"x":2,"id":"caf\u00e9 \"q\""}

              {"id": 42.50 ,"x":3}
            [1, 2, 3]
            {"id":"tile/7/é"}
            """);

        var tasks = TaskFileLoader.Load(path);

        Assert.Equal(["plain", "café \"q\"", "42.50", "5", "tile/7/é"], Enumerable.Range(0, tasks.Count).Select(tasks.IdOf));
        Assert.Equal("""{"id": 42.50 ,"x":3}""", Encoding.UTF8.GetString(tasks.InputOf(2).Span));
        Assert.Equal("[1, 2, 3]", Encoding.UTF8.GetString(tasks.InputOf(3).Span));
    }

    [Fact]
    public void AnEscapedIdEqualToAPlainOneIsADuplicate()
    {
        string path = Write("""
            {"id":"ab"}
            {"id":"\u0061b"}
            """);

        var error = Assert.Throws<GridException>(() => TaskFileLoader.Load(path));

        Assert.Equal("GRID5003", error.Code);
        Assert.Contains(":2: task id 'ab' is already used on line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALineNumberIdCollidesWithAnExplicitOne()
    {
        string path = Write("""
            {"id":"2"}
            {"x":1}
            """);

        Assert.Equal("GRID5003", Assert.Throws<GridException>(() => TaskFileLoader.Load(path)).Code);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string text)
    {
        string path = Path.Combine(_directory, "tasks.jsonl");
        File.WriteAllText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        return path;
    }
}

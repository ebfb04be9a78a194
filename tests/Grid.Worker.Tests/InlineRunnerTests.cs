using System.Text;
using System.Text.Json.Nodes;
using Grid.Hosting;

namespace Grid.Worker.Tests;

public class InlineRunnerTests
{
    [Fact]
    public async Task InputRunsTheHandlerOnceAndPrintsItsOutputIndented()
    {
        var (exitCode, stdout, _) = await RunAsync((JsonObject input, TaskContext context) =>
            new JsonObject { ["count"] = input.Count, ["task"] = context.TaskId, ["attempt"] = context.Attempt, ["worker"] = context.WorkerId },
            "--input", """{"a":1,"b":2}""");

        Assert.Equal(0, exitCode);
        Assert.Equal("{\n  \"count\": 2,\n  \"task\": \"inline\",\n  \"attempt\": 1,\n  \"worker\": \"inline\"\n}\n", stdout);
    }

    [Fact]
    public async Task InputFromAFileIsNamedWithAnAtSign()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, """{"size":4}""");
            var (exitCode, stdout, _) = await RunAsync((JsonObject input, TaskContext _) => (int)input["size"]! * 2, "--input", "@" + path);

            Assert.Equal(0, exitCode);
            Assert.Equal("8\n", stdout);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AHandlerThatThrowsPrintsTheExceptionToStderrAndExitsOne()
    {
        var (exitCode, stdout, stderr) = await RunAsync((JsonObject _, TaskContext _) => ThrowBadTile(), "--input", "{}");

        Assert.Equal(1, exitCode);
        Assert.Equal("", stdout);
        Assert.Contains("System.InvalidOperationException: bad tile", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTimeoutCancelsTheHandlerAndExitsOne()
    {
        var (exitCode, _, stderr) = await RunAsync<int, int>(async (input, context) =>
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return input;
        }, "--input", "1", "--timeout", "0.1");

        Assert.Equal(1, exitCode);
        Assert.Contains("timeout of 0.1 s passed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoggerLinesGoToStderr()
    {
        var (_, _, stderr) = await RunAsync((int input, TaskContext context) =>
        {
            context.Log.Warning("slow disk");
            return input;
        }, "--input", "1");

        Assert.Contains("warn: slow disk", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingInputFileIsAUsageError()
    {
        var (exitCode, _, stderr) = await RunAsync((int input, TaskContext _) => input, "--input", "@/no/such/file.json");

        Assert.Equal(2, exitCode);
        Assert.Contains("/no/such/file.json", stderr, StringComparison.Ordinal);
    }

    private static int ThrowBadTile() => throw new InvalidOperationException("bad tile");

    private static Task<(int, string, string)> RunAsync<TIn, TOut>(Func<TIn, TaskContext, TOut> handler, params string[] args) =>
        RunAsync(TaskHandler<TIn, TOut>.FromSync(handler, options: null), args);

    private static Task<(int, string, string)> RunAsync<TIn, TOut>(Func<TIn, TaskContext, ValueTask<TOut>> handler, params string[] args) =>
        RunAsync(new TaskHandler<TIn, TOut>(handler, options: null), args);

    private static async Task<(int, string, string)> RunAsync(TaskHandler handler, string[] args)
    {
        Assert.True(WorkerArguments.TryParse(args, out var parsed, out _));
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        int exitCode = await InlineRunner.RunAsync(handler, parsed, stdout, stderr);
        return (exitCode, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString());
    }
}

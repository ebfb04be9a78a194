using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Grid;

// The job the end-to-end tests run. Every input field below is optional; they run in this order:
//   "print": n        write exactly n bytes to Console.Out, as lines of 100 bytes (99 chars + '\n'); line i starts
//                     with i as 8 digits, so a reader can check order and completeness
//   "rawStdout": "s"  write s through a new stream over fd 1 (Console.OpenStandardOutput), as native code would;
//                     a worker has pointed fd 1 at stderr, so it must not reach the protocol stream
//   "sleepMs": n      wait n ms, honouring cancellation
//   "spinMs": n       keep a CPU busy for n ms
//   "throw": "text"   throw InvalidOperationException("text")
//   "exit": n         Environment.Exit(n) at once
//   "failFast": true  Environment.FailFast
//   "hang": true      block forever, ignoring cancellation
//   "outputBytes": n  make "value" a string of n 'x' characters
// The output is {"id": input.id, "value": ...}; by default value is the length of the input's JSON text.
return await GridWorker.RunAsync(args, async (JsonObject input, TaskContext context) =>
{
    if (input["print"]?.GetValue<int>() is int printBytes)
    {
        Print(printBytes);
    }

    if (input["rawStdout"]?.GetValue<string>() is string raw)
    {
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(Encoding.UTF8.GetBytes(raw));
    }

    if (input["sleepMs"]?.GetValue<int>() is int sleepMs)
    {
        await Task.Delay(sleepMs, context.CancellationToken);
    }

    if (input["spinMs"]?.GetValue<int>() is int spinMs)
    {
        var spin = Stopwatch.StartNew();
        while (spin.ElapsedMilliseconds < spinMs)
        {
            Thread.SpinWait(1000);
        }
    }

    if (input["throw"]?.GetValue<string>() is string message)
    {
        throw new InvalidOperationException(message);
    }

    if (input["exit"]?.GetValue<int>() is int exitCode)
    {
        Environment.Exit(exitCode);
    }

    if (input["failFast"]?.GetValue<bool>() == true)
    {
        Environment.FailFast($"Grid.TestJob: failFast was asked for by task {context.TaskId}.");
    }

    if (input["hang"]?.GetValue<bool>() == true)
    {
        Thread.Sleep(Timeout.Infinite);
    }

    JsonNode value = input["outputBytes"]?.GetValue<int>() is int outputBytes
        ? new string('x', outputBytes)
        : input.ToJsonString().Length;
    return new JsonObject
    {
        ["id"] = input["id"]?.DeepClone(),
        ["value"] = value,
    };
});

static void Print(int bytes)
{
    const int LineBytes = 100;
    var line = new StringBuilder(LineBytes);
    for (int i = 0; bytes > 0; i++)
    {
        int length = Math.Min(LineBytes, bytes);
        line.Clear();
        line.Append(i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture)).Append(' ');
        line.Append((char)('a' + (i % 26)), LineBytes - 1 - line.Length);
        line.Length = length - 1;
        Console.Out.Write(line.Append('\n'));
        bytes -= length;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grid;

// The job eng/bench.sh runs through `dotnet grid run`. A typed handler with a source-generated JSON context, as a
// job made from the template has; with no field set it does nothing, so a run of it measures Grid alone:
//   "spinMs": n       keep a CPU busy for n ms (for efficiency: handler time against slot time)
//   "outputBytes": n  return a string of n 'x' characters (for result throughput); the string is built once per
//                     size and returned again, so the figure measures Grid moving outputs, not the handler making them
// The output is {"value": null} by default.
return GridWorker.Run(args, static (BenchInput input, TaskContext context) =>
{
    if (input.SpinMs > 0)
    {
        var spin = Stopwatch.StartNew();
        while (spin.ElapsedMilliseconds < input.SpinMs)
        {
            Thread.SpinWait(100);
        }
    }

    return new BenchOutput(input.OutputBytes > 0 ? Outputs.Of(input.OutputBytes) : null);
}, new GridWorkerOptions { SerializerOptions = BenchJson.Default.Options });

internal sealed record BenchInput(int SpinMs, int OutputBytes);

internal sealed record BenchOutput(string? Value);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BenchInput))]
[JsonSerializable(typeof(BenchOutput))]
internal sealed partial class BenchJson : JsonSerializerContext;

/// <summary>The output strings, one per size asked for.</summary>
internal static class Outputs
{
    private static readonly ConcurrentDictionary<int, string> BySize = new();

    public static string Of(int size) => BySize.GetOrAdd(size, static n => new string('x', n));
}

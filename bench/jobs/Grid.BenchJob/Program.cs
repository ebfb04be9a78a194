using System.Diagnostics;
using Grid;

// The job eng/bench.sh runs through `dotnet grid run`. A typed handler, as a job made from the template
// would have; with no field set it does nothing, so a run of it measures Grid alone:
//   "spinMs": n       keep a CPU busy for n ms (for efficiency: handler time against slot time)
//   "outputBytes": n  return a string of n 'x' characters (for result throughput)
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

    return new BenchOutput(input.OutputBytes > 0 ? new string('x', input.OutputBytes) : null);
});

internal sealed record BenchInput(int SpinMs, int OutputBytes);

internal sealed record BenchOutput(string? Value);

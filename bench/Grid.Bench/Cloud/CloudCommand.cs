using System.Globalization;
using System.Text.Json;

namespace Grid.Bench.Cloud;

/// <summary>
/// <c>cloud</c>: the head's own cost on the cloud path, per task: <c>--tasks</c> tasks over <c>--workers</c>
/// simulated workers connected over loopback TCP with TLS. Each run is a fresh <c>cloud-head</c> process.
/// </summary>
internal static class CloudCommand
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        string work = Path.GetFullPath(args.String("work"));
        Directory.CreateDirectory(work);
        int count = args.Int("tasks", 1_000_000);
        int workers = args.Int("workers", 1000);
        int slots = args.Int("slots", 2);
        int repeat = args.Int("runs", 3);
        string tasksFile = Path.Combine(work, "cloud.jsonl");
        await using (var writer = new StreamWriter(tasksFile))
        {
            for (int i = 0; i < count; i++)
            {
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{{\"n\":{i}}}")).ConfigureAwait(false);
            }
        }

        var runs = new List<Dictionary<string, double>>();
        for (int i = 0; i < repeat; i++)
        {
            string output = Path.Combine(work, $"cloud-run-{i + 1}.json");
            using (var head = ChildProcess.StartSelf("cloud-head", "--tasks-file", tasksFile, "--work", work, "--workers", workers.ToString(CultureInfo.InvariantCulture), "--slots", slots.ToString(CultureInfo.InvariantCulture), "--out", output))
            {
                int exit = await head.WaitForExitAsync(TimeSpan.FromMinutes(10)).ConfigureAwait(false);
                if (exit != 0)
                {
                    throw new InvalidOperationException($"cloud-head exited {exit}");
                }
            }

            var run = JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(output))!;
            File.Delete(output);
            runs.Add(run);
            Console.Error.WriteLine($"cloud run {i + 1}: {run["head_cpu_us_per_task"]:0.00} µs CPU/task, {run["head_bytes_per_task"]:0} bytes/task (peak working set {run["peak_working_set_mib"]:0} MiB), {run["tasks_per_s"]:N0} tasks/s");
        }

        File.Delete(tasksFile);
        var details = Figure.MedianDetails(runs);
        string shape = $"{count:N0} tasks over {workers:N0} simulated workers ({slots} slots each) connected over loopback TCP + TLS 1.3";
        string note = count < 1_000_000 ? $"measured with {count:N0} tasks, not 1,000,000." : "";
        FigureFile.Write(args.String("out"),
            Figure.FromRuns("head_cpu_us_per_task", "µs", runs.Select(r => r["head_cpu_us_per_task"]).ToArray()) with
            {
                Target = Target.AtMost(2),
                Method = $"{shape}; a separate simulator process answers every Task with Started + Result at once. The head process's user + system CPU time (Process.TotalProcessorTime) over the Scheduler's run, with the real RunRecorder writing results.jsonl, divided by tasks. TLS handshakes are counted apart (details).",
                Note = note.Length > 0 ? note : null,
                Details = details,
            },
            Figure.FromRuns("head_bytes_per_task", "bytes", runs.Select(r => r["head_bytes_per_task"]).ToArray()) with
            {
                Target = Target.AtMost(300),
                Method = $"Same runs: the head process's peak working set (VmHWM: runtime, task list, connections, everything) divided by tasks. The GC heap's peak and bytes allocated per task are in the details of head_cpu_us_per_task.",
                Note = note.Length > 0 ? note : null,
            });
        return 0;
    }
}

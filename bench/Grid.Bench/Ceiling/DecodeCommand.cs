using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Bench.Ceiling;

/// <summary>
/// <c>decode</c>: Grid.Protocol's receive path alone, in one thread: the frames a head reads for a no-op task
/// (Started, then Result with a small body) and the frame a worker reads (Task), cut and decoded by FrameReader
/// from a stream read 64 KiB at a time, as the head and the worker read their pipes. Nanoseconds per frame,
/// the fastest of several passes (the least disturbed by other work on the machine).
/// </summary>
internal static class DecodeCommand
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        int frames = args.Int("frames", 1_000_000);
        int passes = args.Int("passes", 7);
        int repeat = args.Int("runs", 3);
        var toHead = Stream(frames, i => i % 2 == 0
            ? new Started((ulong)i + 1, 1)
            : new Result((ulong)i, 1, Outcome.Succeeded, 12, "{\"value\":null}"u8.ToArray()));
        var toWorker = Stream(frames, i => new TaskMessage((ulong)i + 1, 1, 0, i.ToString(System.Globalization.CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")));

        var headRuns = new List<double>();
        var workerRuns = new List<double>();
        for (int run = 0; run < repeat; run++)
        {
            headRuns.Add(await FastestAsync(toHead, frames, passes).ConfigureAwait(false));
            workerRuns.Add(await FastestAsync(toWorker, frames, passes).ConfigureAwait(false));
            Console.Error.WriteLine($"decode run {run + 1}: {headRuns[^1]:0.0} ns/frame (Started/Result), {workerRuns[^1]:0.0} ns/frame (Task)");
        }

        FigureFile.Write(args.String("out"),
            Figure.FromRuns("decode_ns_per_frame", "ns", headRuns) with
            {
                Method = $"FrameReader.ReadBatchAsync over a stream read 64 KiB at a time, {frames:N0} frames alternating Started and Result (a no-op task's replies, as the head reads them), one thread; the fastest of {passes} passes. The worker's side (Task frames) is in the details.",
                Details = new() { ["task_frames_ns_per_frame"] = Math.Round(Figure.Median(workerRuns), 2) },
            });
        return 0;
    }

    private static byte[] Stream(int frames, Func<int, IMessage> message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        for (int i = 0; i < frames; i++)
        {
            FrameWriter.Write(buffer, message(i));
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static async Task<double> FastestAsync(byte[] bytes, int frames, int passes)
    {
        double best = double.MaxValue;
        for (int pass = 0; pass < passes; pass++)
        {
            var reader = new FrameReader(new MemoryStream(bytes, writable: false));
            int count = 0;
            var clock = Stopwatch.StartNew();
            while (await reader.ReadBatchAsync(_ => count++).ConfigureAwait(false))
            {
            }

            clock.Stop();
            if (count != frames)
            {
                throw new InvalidOperationException($"decoded {count} of {frames} frames");
            }

            best = Math.Min(best, clock.Elapsed.TotalNanoseconds / frames);
        }

        return best;
    }
}

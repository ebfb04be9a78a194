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
            headRuns.Add(await FastestAsync(toHead, frames, passes, HeadPassAsync).ConfigureAwait(false));
            workerRuns.Add(await FastestAsync(toWorker, frames, passes, WorkerPassAsync).ConfigureAwait(false));
            Console.Error.WriteLine($"decode run {run + 1}: {headRuns[^1]:0.0} ns/frame (Started/Result), {workerRuns[^1]:0.0} ns/frame (Task)");
        }

        FigureFile.Write(args.String("out"),
            Figure.FromRuns("decode_ns_per_frame", "ns", headRuns) with
            {
                Method = $"A stream read 64 KiB at a time, {frames:N0} frames alternating Started and Result (a no-op task's replies), read as the head reads them: FrameReader.ReadFramesAsync cuts each read's frames into one pooled buffer and the fields are read in place. One thread; the fastest of {passes} passes. The worker's side (Task frames, decoded into messages by ReadBatchAsync) is in the details.",
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

    private static async Task<double> FastestAsync(byte[] bytes, int frames, int passes, Func<FrameReader, Task<int>> pass)
    {
        double best = double.MaxValue;
        for (int i = 0; i < passes; i++)
        {
            var reader = new FrameReader(new MemoryStream(bytes, writable: false));
            var clock = Stopwatch.StartNew();
            int count = await pass(reader).ConfigureAwait(false);
            clock.Stop();
            if (count != frames)
            {
                throw new InvalidOperationException($"decoded {count} of {frames} frames");
            }

            best = Math.Min(best, clock.Elapsed.TotalNanoseconds / frames);
        }

        return best;
    }

    /// <summary>The head's path: a read's frames in one pooled buffer, Started and Result read in place.</summary>
    private static async Task<int> HeadPassAsync(FrameReader reader)
    {
        int count = 0;
        ulong keys = 0;
        while (await reader.ReadFramesAsync().ConfigureAwait(false) is { } batch)
        {
            using (batch)
            {
                foreach (var frame in batch)
                {
                    keys += frame.Kind == FrameKind.Result ? Result.ReadFields(frame.Payload).Key : Started.ReadFields(frame.Payload.Span).Key;
                    count++;
                }
            }
        }

        return keys > 0 ? count : -1;
    }

    /// <summary>The worker's path: every frame decoded into a message.</summary>
    private static async Task<int> WorkerPassAsync(FrameReader reader)
    {
        int count = 0;
        while (await reader.ReadBatchAsync(_ => count++).ConfigureAwait(false))
        {
        }

        return count;
    }
}

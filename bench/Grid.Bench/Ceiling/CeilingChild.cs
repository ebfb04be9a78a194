using Grid.Protocol;
using Grid.Protocol.Messages;

namespace Grid.Bench.Ceiling;

/// <summary>
/// The child side of the ceiling: a process with nothing of Grid in it but the framing.
/// <c>echo</c> returns every whole frame it reads from stdin to stdout, one write per read;
/// <c>results</c> writes Result frames with a body of <c>--bytes</c> to stdout until the parent stops reading, or
/// <c>--count</c> of them.
/// </summary>
internal static class CeilingChild
{
    public static int Run(BenchArgs args)
    {
        using var input = Console.OpenStandardInput();
        using var output = Console.OpenStandardOutput();
        return args.String("mode") switch
        {
            "echo" => Echo(input, output),
            "results" => Results(output, args.Int("bytes", 1 << 20), args.Int("count", int.MaxValue)),
            var mode => throw new ArgumentException($"unknown mode '{mode}'"),
        };
    }

    private static int Echo(Stream input, Stream output)
    {
        var buffer = new byte[256 * 1024];
        int filled = 0;
        while (true)
        {
            int read = input.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                return 0;
            }

            filled += read;
            int whole = FrameCounter.WholeFrames(buffer.AsSpan(0, filled), out int next);
            if (whole > 0)
            {
                output.Write(buffer, 0, whole);
                output.Flush();
                buffer.AsSpan(whole, filled - whole).CopyTo(buffer);
                filled -= whole;
            }

            if (next > buffer.Length)
            {
                Array.Resize(ref buffer, next);
            }
        }
    }

    private static int Results(Stream output, int bytes, int count)
    {
        var body = new byte[bytes];
        body.AsSpan().Fill((byte)'x');
        var frame = FrameWriter.ToArray(new Result(1, 1, Outcome.Succeeded, 0, body));
        try
        {
            for (int i = 0; i < count; i++)
            {
                output.Write(frame);
            }

            return 0;
        }
        catch (IOException)
        {
            // The parent closed its end: the measurement is over.
            return 0;
        }
    }
}

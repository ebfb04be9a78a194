using System.Globalization;
using System.Text;

namespace Grid.Bench.ToolRuns;

/// <summary>The <c>ended</c> time of each line of a results.jsonl, in file order (commit order), without parsing outputs.</summary>
internal static class ResultTimes
{
    private static readonly byte[] EndedToken = "\"ended\":\""u8.ToArray();

    public static List<DateTimeOffset> Ended(string resultsFile, int limit = int.MaxValue)
    {
        var times = new List<DateTimeOffset>();
        using var file = new FileStream(resultsFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        var buffer = new byte[4 << 20];
        int filled = 0;
        while (times.Count < limit)
        {
            int read = file.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            var data = buffer.AsSpan(0, filled);
            int consumed = 0;
            while (times.Count < limit)
            {
                int at = data[consumed..].IndexOf(EndedToken);
                if (at < 0)
                {
                    break;
                }

                int start = consumed + at + EndedToken.Length;
                int end = data[start..].IndexOf((byte)'"');
                if (end < 0)
                {
                    break;
                }

                times.Add(DateTimeOffset.Parse(Encoding.UTF8.GetString(data.Slice(start, end)), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
                consumed = start + end;
            }

            if (read == 0)
            {
                break;
            }

            // Keep a tail that may hold a cut token; drop the rest (outputs are not needed).
            int keep = Math.Min(filled - consumed, 64);
            data[(filled - keep)..].CopyTo(buffer);
            filled = keep;
        }

        return times;
    }
}

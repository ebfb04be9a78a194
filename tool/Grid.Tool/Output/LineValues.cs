using System.Globalization;
using System.Text.Json;

namespace Grid.Tool.Output;

/// <summary>
/// The times and durations every results.jsonl line carries, formatted without the general formatters: the head
/// writes a line per task, and formatting three times and a duration was a tenth of its work per task. The text is
/// what <see cref="Utf8JsonWriter"/> writes for the same values.
/// </summary>
internal sealed class LineValues
{
    /// <summary>The longest value written: a quoted time.</summary>
    public const int MaxBytes = 1 + PrefixBytes + 8 + 2;

    private const int PrefixBytes = 19;

    // "yyyy-MM-ddTHH:mm:ss" of the last two seconds written: the times of a batch share them (a line's dispatch
    // time is often a second behind its end).
    private readonly byte[][] _prefixes = [new byte[PrefixBytes], new byte[PrefixBytes]];
    private readonly long[] _seconds = [-1, -1];
    private int _older;

    /// <summary>
    /// A UTC time as a JSON string, ISO 8601 with the fraction's trailing zeros left out ("2026-11-21T10:22:45.12Z"),
    /// as Utf8JsonWriter writes a DateTime. Returns the bytes written to <paramref name="text"/> (at least <see cref="MaxBytes"/>).
    /// </summary>
    public int FormatTime(DateTime utc, Span<byte> text)
    {
        long ticks = utc.Ticks;
        long second = ticks / TimeSpan.TicksPerSecond;
        int slot = second == _seconds[0] ? 0 : second == _seconds[1] ? 1 : -1;
        if (slot < 0)
        {
            slot = _older;
            _older = 1 - _older;
            utc.TryFormat(_prefixes[slot], out _, "yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture);
            _seconds[slot] = second;
        }

        text[0] = (byte)'"';
        _prefixes[slot].CopyTo(text[1..]);
        int at = 1 + PrefixBytes;
        at += WriteFraction((int)(ticks % TimeSpan.TicksPerSecond), 7, text[at..]);
        text[at++] = (byte)'Z';
        text[at++] = (byte)'"';
        return at;
    }

    /// <summary>
    /// Milliseconds rounded to the microsecond, as the shortest decimal (1.5, 2, 0.001), as Utf8JsonWriter writes
    /// Math.Round(milliseconds, 3). Returns the bytes written to <paramref name="text"/> (at least 32).
    /// </summary>
    public static int FormatMilliseconds(double milliseconds, Span<byte> text)
    {
        double micros = Math.Round(milliseconds * 1000);
        if (!(micros is >= 0 and < 1e15))
        {
            // Not a duration a task has (negative, or centuries): the general formatter.
            Math.Round(milliseconds, 3).TryFormat(text, out int written, provider: CultureInfo.InvariantCulture);
            return written;
        }

        ((long)micros / 1000).TryFormat(text, out int at, provider: CultureInfo.InvariantCulture);
        return at + WriteFraction((int)((long)micros % 1000), 3, text[at..]);
    }

    /// <summary>"." and the fraction's <paramref name="digits"/> digits without trailing zeros; nothing for 0.</summary>
    private static int WriteFraction(int fraction, int digits, Span<byte> text)
    {
        if (fraction == 0)
        {
            return 0;
        }

        while (fraction % 10 == 0)
        {
            fraction /= 10;
            digits--;
        }

        text[0] = (byte)'.';
        for (int i = digits; i >= 1; i--)
        {
            text[i] = (byte)('0' + (fraction % 10));
            fraction /= 10;
        }

        return 1 + digits;
    }
}

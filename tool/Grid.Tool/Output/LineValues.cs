using System.Globalization;
using System.Text.Json;

namespace Grid.Tool.Output;

/// <summary>
/// The values every results.jsonl line carries, written without the general formatters: the head writes a line per
/// task, and formatting three times and a duration was a tenth of its work per task. The text is what
/// <see cref="Utf8JsonWriter"/> writes for the same values.
/// </summary>
internal sealed class LineValues
{
    private const int PrefixBytes = 19;

    // "yyyy-MM-ddTHH:mm:ss" of the last two seconds written: the times of a batch share them (a line's dispatch
    // time is often a second behind its end).
    private readonly byte[][] _prefixes = [new byte[PrefixBytes], new byte[PrefixBytes]];
    private readonly long[] _seconds = [-1, -1];
    private int _older;

    /// <summary>A UTC time as ISO 8601 with the fraction's trailing zeros left out (2026-11-21T10:22:45.12Z), as Utf8JsonWriter writes a DateTime.</summary>
    public void WriteTime(Utf8JsonWriter json, JsonEncodedText name, DateTime utc)
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

        Span<byte> text = stackalloc byte[1 + PrefixBytes + 8 + 2];
        text[0] = (byte)'"';
        _prefixes[slot].CopyTo(text[1..]);
        int at = 1 + PrefixBytes;
        int fraction = (int)(ticks % TimeSpan.TicksPerSecond);
        if (fraction != 0)
        {
            text[at++] = (byte)'.';
            int digits = 7;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }

            for (int i = digits - 1; i >= 0; i--)
            {
                text[at + i] = (byte)('0' + (fraction % 10));
                fraction /= 10;
            }

            at += digits;
        }

        text[at++] = (byte)'Z';
        text[at++] = (byte)'"';
        json.WritePropertyName(name);
        json.WriteRawValue(text[..at], skipInputValidation: true);
    }

    /// <summary>Milliseconds rounded to the microsecond, as the shortest decimal (1.5, 2, 0.001).</summary>
    public static void WriteMilliseconds(Utf8JsonWriter json, JsonEncodedText name, double milliseconds)
    {
        double micros = Math.Round(milliseconds * 1000);
        if (!(micros is >= 0 and < 1e15))
        {
            // Not a duration a task has (negative, not a number, or centuries): the general formatter.
            json.WriteNumber(name, Math.Round(milliseconds, 3));
            return;
        }

        long whole = (long)micros / 1000;
        int fraction = (int)((long)micros % 1000);
        Span<byte> text = stackalloc byte[24];
        whole.TryFormat(text, out int at, default, CultureInfo.InvariantCulture);
        if (fraction != 0)
        {
            int digits = 3;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }

            text[at++] = (byte)'.';
            for (int i = digits - 1; i >= 0; i--)
            {
                text[at + i] = (byte)('0' + (fraction % 10));
                fraction /= 10;
            }

            at += digits;
        }

        json.WritePropertyName(name);
        json.WriteRawValue(text[..at], skipInputValidation: true);
    }
}

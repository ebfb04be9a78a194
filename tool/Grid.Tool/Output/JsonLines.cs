using System.Text.Json;

namespace Grid.Tool.Output;

/// <summary>Receives one line of a JSON Lines file, without its newline.</summary>
public delegate void LineHandler(ReadOnlySpan<byte> line);

/// <summary>
/// Receives one top-level property of a line's object, the reader on its name. A handler that wants the value
/// reads it and returns true; one that does not returns false, and the value is skipped for it.
/// </summary>
public delegate bool PropertyHandler(ref Utf8JsonReader reader);

/// <summary>
/// Reads the run folder's .jsonl files while a head may still be appending to them: the file is opened
/// shared, and only complete lines (ending in '\n') are handed out, so a line being written, or one a crash
/// cut short, is never read as a record.
/// </summary>
public static class JsonLines
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Calls <paramref name="onLine"/> for every complete, non-blank line; returns how many there were. A missing file has none.</summary>
    public static int ForEach(string path, LineHandler onLine)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }

        using (file)
        {
            byte[] buffer = new byte[ChunkBytes];
            int kept = 0;
            int lines = 0;
            while (true)
            {
                if (kept == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                int read = file.Read(buffer, kept, buffer.Length - kept);
                if (read == 0)
                {
                    return lines;
                }

                int end = kept + read;
                int start = 0;
                int newline;
                while ((newline = Array.IndexOf(buffer, (byte)'\n', start, end - start)) >= 0)
                {
                    var line = buffer.AsSpan(start, newline - start).TrimEnd((byte)'\r');
                    if (!line.IsWhiteSpace())
                    {
                        lines++;
                        onLine(line);
                    }

                    start = newline + 1;
                }

                kept = end - start;
                buffer.AsSpan(start, kept).CopyTo(buffer);
            }
        }
    }

    /// <summary>
    /// Walks the top-level properties of one line's JSON object, streaming (no document is built: a report
    /// reads hundreds of thousands of lines). False when the line is not such an object or a value was not what
    /// its handler expected.
    /// </summary>
    public static bool ReadObject(ReadOnlySpan<byte> line, PropertyHandler onProperty)
    {
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!onProperty(ref reader))
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    private static bool IsWhiteSpace(this ReadOnlySpan<byte> line) => line.Trim(" \t"u8).IsEmpty;
}

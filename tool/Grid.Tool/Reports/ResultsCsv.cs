using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Grid.Tool.Output;

namespace Grid.Tool.Reports;

/// <summary>
/// results.csv: results.jsonl as a table for a spreadsheet. Columns: id, status, attempts, worker, dispatched,
/// started, ended, durationMs; then one <c>output.&lt;field&gt;</c> column per top-level field of the outputs
/// (the union over every task, in the order first seen; an output that is not an object fills
/// <c>output</c>); then error.type and error.message. Nested values are compact JSON text. RFC 4180: CRLF
/// line ends, and a field holding a comma, a quote or a line break is quoted with its quotes doubled. A cell
/// longer than a spreadsheet cell holds (32,767 characters) is cut, and says so and where the whole value is.
/// </summary>
internal static class ResultsCsv
{
    /// <summary>The most characters a cell of Excel or LibreOffice Calc holds; a longer one breaks the row there.</summary>
    public const int MaxCellCharacters = 32_767;

    private static readonly string[] Fixed = ["id", "status", "attempts", "worker", "dispatched", "started", "ended", "durationMs"];

    private static readonly byte[][] FixedUtf8 = [.. Fixed.Select(Encoding.UTF8.GetBytes)];

    public static void Write(RunFolder folder, string path)
    {
        // Two passes over results.jsonl: the columns are known only once every output has been seen, and a
        // run's outputs need not fit in memory.
        var columns = new List<string>();
        var columnOf = new Dictionary<string, int>(StringComparer.Ordinal);
        bool scalarOutput = false;
        JsonLines.ForEach(folder.Results, line =>
        {
            var reader = new Utf8JsonReader(line);
            try
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isOutput = reader.ValueTextEquals("output"u8);
                    reader.Read();
                    if (isOutput && reader.TokenType == JsonTokenType.StartObject)
                    {
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            string name = reader.GetString()!;
                            if (columnOf.TryAdd(name, columns.Count))
                            {
                                columns.Add(name);
                            }

                            reader.Read();
                            reader.Skip();
                        }
                    }
                    else
                    {
                        scalarOutput |= isOutput && reader.TokenType != JsonTokenType.Null;
                        reader.Skip();
                    }
                }
            }
            catch (JsonException)
            {
            }
        });

        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var csv = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\r\n" })
        {
            var header = new List<string>(Fixed);
            if (scalarOutput)
            {
                header.Add("output");
            }

            header.AddRange(columns.Select(c => "output." + c));
            header.Add("error.type");
            header.Add("error.message");
            WriteRow(csv, header);

            int outputColumn = Fixed.Length + (scalarOutput ? 1 : 0);
            var columnLookup = columnOf.GetAlternateLookup<ReadOnlySpan<char>>();
            var row = new string[header.Count];
            char[] name = new char[256];
            JsonLines.ForEach(folder.Results, line =>
            {
                Array.Fill(row, "");
                var reader = new Utf8JsonReader(line);
                try
                {
                    reader.Read();
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        int fixedIndex = FixedIndex(ref reader);
                        bool isOutput = fixedIndex < 0 && reader.ValueTextEquals("output"u8);
                        bool isError = fixedIndex < 0 && !isOutput && reader.ValueTextEquals("error"u8);
                        reader.Read();
                        if (fixedIndex >= 0)
                        {
                            row[fixedIndex] = Cell(ref reader, line);
                        }
                        else if (isOutput && reader.TokenType == JsonTokenType.StartObject)
                        {
                            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                            {
                                if (name.Length < reader.ValueSpan.Length)
                                {
                                    name = new char[reader.ValueSpan.Length];
                                }

                                int length = reader.CopyString(name);
                                reader.Read();
                                row[outputColumn + columnLookup[name.AsSpan(0, length)]] = Cell(ref reader, line);
                            }
                        }
                        else if (isOutput && scalarOutput)
                        {
                            row[Fixed.Length] = Cell(ref reader, line);
                        }
                        else if (isError && reader.TokenType == JsonTokenType.StartObject)
                        {
                            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                            {
                                int target = reader.ValueTextEquals("type"u8) ? row.Length - 2
                                    : reader.ValueTextEquals("code"u8) && row[^2].Length == 0 ? row.Length - 2
                                    : reader.ValueTextEquals("message"u8) ? row.Length - 1
                                    : -1;
                                reader.Read();
                                if (target >= 0)
                                {
                                    row[target] = Cell(ref reader, line);
                                }
                                else
                                {
                                    reader.Skip();
                                }
                            }
                        }
                        else if (isError)
                        {
                            row[^1] = Cell(ref reader, line);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
                {
                    return;
                }

                WriteRow(csv, row);
            });
        }

        File.Move(temp, path, overwrite: true);
    }

    private static int FixedIndex(ref Utf8JsonReader reader)
    {
        for (int i = 0; i < FixedUtf8.Length; i++)
        {
            if (reader.ValueTextEquals(FixedUtf8[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The value at the reader as a cell: a string as its text, null as nothing, anything else as its compact
    /// JSON; cut to <see cref="MaxCellCharacters"/>. Leaves the reader on the value's last token.
    /// </summary>
    private static string Cell(ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan.Length > MaxCellCharacters)
        {
            // A long plain string (a large output): cut its UTF-8 before decoding, rather than decode all of it.
            var text = reader.ValueSpan;
            return Cut(Encoding.UTF8.GetString(text[..Utf8Boundary(text, MaxCellCharacters)]), text.Length);
        }

        string cell = WholeCell(ref reader, line);
        return cell.Length > MaxCellCharacters ? Cut(cell, Encoding.UTF8.GetByteCount(cell)) : cell;
    }

    /// <summary>The start of a cell too long for a spreadsheet, and a note saying so: MaxCellCharacters in all.</summary>
    private static string Cut(string start, long wholeBytes)
    {
        string note = string.Create(CultureInfo.InvariantCulture, $"… [cut to fit a spreadsheet cell: the whole value, {wholeBytes:N0} bytes, is in results.jsonl]");
        int keep = MaxCellCharacters - note.Length;
        if (keep < start.Length && char.IsHighSurrogate(start[keep - 1]))
        {
            keep--;
        }

        return string.Concat(start.AsSpan(0, Math.Min(keep, start.Length)), note);
    }

    /// <summary>The largest length up to <paramref name="limit"/> that does not end inside a UTF-8 sequence.</summary>
    private static int Utf8Boundary(ReadOnlySpan<byte> text, int limit)
    {
        int end = Math.Min(limit, text.Length);
        while (end > 0 && end < text.Length && (text[end] & 0xC0) == 0x80)
        {
            end--;
        }

        return end;
    }

    private static string WholeCell(ref Utf8JsonReader reader, ReadOnlySpan<byte> line)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString()!;
            case JsonTokenType.Null:
                return "";
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                var raw = line[start..(int)reader.BytesConsumed];

                // results.jsonl holds outputs as the job sent them; re-write only those that are not compact already.
                if (raw.IndexOfAny(" \t\r\n"u8) < 0)
                {
                    return Encoding.UTF8.GetString(raw);
                }

                using (var document = JsonDocument.Parse(raw.ToArray()))
                {
                    var buffer = new ArrayBufferWriter<byte>(raw.Length);
                    using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                    {
                        document.RootElement.WriteTo(json);
                    }

                    return Encoding.UTF8.GetString(buffer.WrittenSpan);
                }

            default:
                return Encoding.UTF8.GetString(reader.ValueSpan);
        }
    }

    private static void WriteRow(TextWriter csv, IReadOnlyList<string> fields)
    {
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                csv.Write(',');
            }

            string field = fields[i];
            if (field.AsSpan().IndexOfAny(",\"\r\n") < 0)
            {
                csv.Write(field);
            }
            else
            {
                csv.Write('"');
                csv.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
                csv.Write('"');
            }
        }

        csv.WriteLine();
    }
}

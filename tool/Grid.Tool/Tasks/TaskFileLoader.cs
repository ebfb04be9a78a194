using System.Text;
using System.Text.Json;
using Grid.Tool.Diagnostics;

namespace Grid.Tool.Tasks;

/// <summary>
/// Reads a JSON Lines tasks file: one JSON value per line (blank lines are skipped). An object's "id" field
/// (string or number) names its task; any other line is named by its line number. Every problem is a GRID
/// error naming the file and line, raised before anything starts.
/// </summary>
public static class TaskFileLoader
{
    private static readonly byte[] IdProperty = "id"u8.ToArray();

    public static InMemoryTaskList Load(string path)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new GridException(ErrorCodes.TasksFileMissing, $"the tasks file '{path}' does not exist. Pass --tasks with the path of a JSON Lines file (one JSON value per line).");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new GridException(ErrorCodes.TasksFileMissing, $"the tasks file '{path}' cannot be read: {e.Message}");
        }

        var ids = new List<string>();
        var inputs = new List<ReadOnlyMemory<byte>>();
        var lineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        int start = content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF ? 3 : 0;
        int lineNumber = 0;
        while (start < content.Length)
        {
            lineNumber++;
            int newline = Array.IndexOf(content, (byte)'\n', start);
            int end = newline < 0 ? content.Length : newline;
            var line = Trim(content.AsMemory(start, end - start));
            start = end + 1;
            if (line.IsEmpty)
            {
                continue;
            }

            string id = ReadId(path, lineNumber, line.Span) ?? lineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
            TaskIds.Validate(id, $"{path}:{lineNumber}");
            if (line.Length > TaskIds.MaxInputBytes)
            {
                throw new GridException(ErrorCodes.InputTooLarge, $"{path}:{lineNumber}: task '{id}' has an input of {line.Length:N0} bytes; the limit is {TaskIds.MaxInputBytes:N0}. Pass large data by reference (a path or URL in the input).");
            }

            if (!lineOfId.TryAdd(id, lineNumber))
            {
                throw new GridException(ErrorCodes.DuplicateTaskId, $"{path}:{lineNumber}: task id '{id}' is already used on line {lineOfId[id]}. Task ids must be unique: give each line its own \"id\".");
            }

            ids.Add(id);
            inputs.Add(line);
        }

        if (ids.Count == 0)
        {
            throw new GridException(ErrorCodes.NoTasks, $"the tasks file '{path}' holds no tasks. Write one JSON value per line.");
        }

        return new InMemoryTaskList(path, [.. ids], [.. inputs]);
    }

    /// <summary>Validates the line as one JSON value and returns its top-level "id", if any.</summary>
    private static string? ReadId(string path, int lineNumber, ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        string? id = null;
        try
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isId = reader.ValueTextEquals(IdProperty);
                    reader.Read();
                    if (isId && id is null)
                    {
                        id = reader.TokenType switch
                        {
                            JsonTokenType.String => reader.GetString(),
                            JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                            _ => throw new GridException(ErrorCodes.BadTaskId, $"{path}:{lineNumber}: the \"id\" field must be a string or a number, not {Describe(reader.TokenType)}."),
                        };
                    }

                    reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }

            if (reader.Read())
            {
                throw new JsonException("more than one JSON value on the line");
            }
        }
        catch (JsonException e)
        {
            throw new GridException(ErrorCodes.TasksFileInvalidJson, $"{path}:{lineNumber}: not valid JSON ({Clean(e.Message)}). Each line must hold exactly one JSON value.");
        }

        return id;
    }

    private static ReadOnlyMemory<byte> Trim(ReadOnlyMemory<byte> line)
    {
        var span = line.Span;
        int from = 0;
        int to = span.Length;
        while (from < to && IsSpace(span[from]))
        {
            from++;
        }

        while (to > from && IsSpace(span[to - 1]))
        {
            to--;
        }

        return line[from..to];
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    private static string Clean(string message)
    {
        // Utf8JsonReader reports positions inside the line; the path and line number are ours.
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }
}

using System.Globalization;
using System.Runtime.InteropServices;
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

    public static PackedTaskList Load(string path)
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

        // The file's bytes stay the tasks' storage: inputs, and ids where they appear verbatim, are slices of it.
        // An id written with JSON escapes is kept, unescaped, in a small side buffer appended to it at the end.
        var slices = new List<int>();
        var escapedIds = new List<byte>();
        var lines = new List<int>();
        var seen = new Dictionary<ulong, int>();
        int start = content.Length >= 3 && content[0] == 0xEF && content[1] == 0xBB && content[2] == 0xBF ? 3 : 0;
        int lineNumber = 0;
        while (start < content.Length)
        {
            lineNumber++;
            int newline = Array.IndexOf(content, (byte)'\n', start);
            int end = newline < 0 ? content.Length : newline;
            var (lineStart, lineLength) = Trim(content, start, end);
            start = end + 1;
            if (lineLength == 0)
            {
                continue;
            }

            var (idStart, idLength, escaped) = ReadId(path, lineNumber, content.AsSpan(lineStart, lineLength), lineStart);
            if (escaped is not null)
            {
                idStart = content.Length + escapedIds.Count;
                idLength = escaped.Length;
                escapedIds.AddRange(escaped);
            }

            string id = idLength < 0 ? lineNumber.ToString(CultureInfo.InvariantCulture) : IdText(content, escapedIds, idStart, idLength);
            TaskIds.Validate(id, $"{path}:{lineNumber}");
            if (lineLength > TaskIds.MaxInputBytes)
            {
                throw new GridException(ErrorCodes.InputTooLarge, $"{path}:{lineNumber}: task '{id}' has an input of {lineLength:N0} bytes; the limit is {TaskIds.MaxInputBytes:N0}. Pass large data by reference (a path or URL in the input).");
            }

            int index = lines.Count;
            slices.Add(lineStart);
            slices.Add(lineLength);
            slices.Add(idLength < 0 ? lineNumber : idStart);
            slices.Add(idLength < 0 ? -1 : idLength);
            lines.Add(lineNumber);
            CheckUnique(path, id, index, seen, lines, slices, content, escapedIds);
        }

        if (lines.Count == 0)
        {
            throw new GridException(ErrorCodes.NoTasks, $"the tasks file '{path}' holds no tasks. Write one JSON value per line.");
        }

        if (escapedIds.Count > 0)
        {
            int at = content.Length;
            Array.Resize(ref content, at + escapedIds.Count);
            escapedIds.CopyTo(content, at);
        }

        return new PackedTaskList(path, content, [.. slices]);
    }

    /// <summary>
    /// Ids are checked for duplicates by a 64-bit hash of their text, not a set of every id string; an equal hash
    /// is confirmed by comparing the ids themselves, so a collision is never taken for a duplicate (the later id
    /// moves on to the next free hash value).
    /// </summary>
    private static void CheckUnique(string path, string id, int index, Dictionary<ulong, int> seen, List<int> lines, List<int> slices, byte[] content, List<byte> escapedIds)
    {
        for (ulong hash = Hash(id); ; hash++)
        {
            if (seen.TryAdd(hash, index))
            {
                return;
            }

            int earlier = seen[hash];
            int at = earlier * 4;
            string earlierId = slices[at + 3] < 0
                ? slices[at + 2].ToString(CultureInfo.InvariantCulture)
                : IdText(content, escapedIds, slices[at + 2], slices[at + 3]);
            if (earlierId == id)
            {
                throw new GridException(ErrorCodes.DuplicateTaskId, $"{path}:{lines[index]}: task id '{id}' is already used on line {lines[earlier]}. Task ids must be unique: give each line its own \"id\".");
            }
        }
    }

    private static string IdText(byte[] content, List<byte> escapedIds, int start, int length) => start < content.Length
        ? Encoding.UTF8.GetString(content, start, length)
        : Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(escapedIds).Slice(start - content.Length, length));

    /// <summary>FNV-1a over the id's UTF-16 code units.</summary>
    private static ulong Hash(string id)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in id)
        {
            hash = (hash ^ c) * 1099511628211;
        }

        return hash;
    }

    /// <summary>
    /// Validates the line as one JSON value and finds its top-level "id": its position in the file when its bytes
    /// are the id verbatim, its unescaped bytes when it was written with escapes, or a negative length for none.
    /// </summary>
    private static (int Start, int Length, byte[]? Escaped) ReadId(string path, int lineNumber, ReadOnlySpan<byte> line, int lineStart)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        (int, int, byte[]?) id = (0, -1, null);
        bool found = false;
        try
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isId = reader.ValueTextEquals(IdProperty);
                    reader.Read();
                    if (isId && !found)
                    {
                        found = true;
                        id = reader.TokenType switch
                        {
                            JsonTokenType.String when reader.ValueIsEscaped => (0, 0, Encoding.UTF8.GetBytes(reader.GetString()!)),
                            JsonTokenType.String => (lineStart + (int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, null),
                            JsonTokenType.Number => (lineStart + (int)reader.TokenStartIndex, reader.ValueSpan.Length, null),
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

    private static (int Start, int Length) Trim(byte[] content, int from, int to)
    {
        while (from < to && IsSpace(content[from]))
        {
            from++;
        }

        while (to > from && IsSpace(content[to - 1]))
        {
            to--;
        }

        return (from, to - from);
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

using System.Text.Encodings.Web;
using System.Text.Json;

namespace Grid.Build.Tasks;

/// <summary>How Grid's build writes JSON: byte-for-byte the same for the same content, and only when it changed.</summary>
internal static class GridJson
{
    /// <summary>Two-space indents, LF line ends on every OS, and '+' left readable in media types.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>2.50 becomes 2.5 and 2.0 becomes 2, so a number is written the same however it was typed.</summary>
    public static decimal Normalize(decimal value) => value / 1.0000000000000000000000000000m;

    /// <summary>
    /// Writes the file only when its bytes differ from what is there, through a temporary file and a rename, so an
    /// unchanged file keeps its timestamp (incremental builds stay quiet) and a reader never sees half a file.
    /// </summary>
    /// <returns>Whether the file was written.</returns>
    public static bool WriteIfChanged(string path, byte[] content)
    {
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
        {
            return false;
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, path, overwrite: true);
        return true;
    }
}

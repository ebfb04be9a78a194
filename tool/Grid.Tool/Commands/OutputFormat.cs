using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Grid.Tool.Commands;

/// <summary>`--format table|json`, and the two ways commands print: a plain table for people, indented JSON for scripts.</summary>
public static class OutputFormat
{
    public const string Table = "table";

    public const string Json = "json";

    public static Option<string> CreateOption()
    {
        var option = new Option<string>("--format") { Description = "How to print: a table for people, or JSON for scripts.", DefaultValueFactory = _ => Table };
        option.AcceptOnlyFromAmong(Table, Json);
        return option;
    }

    /// <summary>A console that writes plain text (no colours, no cursor moves) to <paramref name="output"/>, so tables read the same in a log.</summary>
    public static IAnsiConsole Console(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });

        // Redirected output has no width; a table takes only the width it needs, so give it room rather than wrap rows.
        console.Profile.Width = 200;
        return console;
    }

    /// <summary>Writes one JSON document, indented, then a newline.</summary>
    public static void WriteJson(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(json);
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.Flush();
    }
}

using Spectre.Console;
using Spectre.Console.Rendering;

namespace StockWatch.Cli;

/// <summary>Human-readable tables. Cells are plain text, never markup, so data cannot inject formatting.</summary>
internal static class Tables
{
    public static void Write(TextWriter writer, string[] headers, IEnumerable<string?[]> rows)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header)));
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => (IRenderable)new Text(cell ?? string.Empty)).ToArray());
        }

        Console(writer).Write(table);
    }

    public static IAnsiConsole Console(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.Detect,
        });
        if (!ReferenceEquals(writer, System.Console.Out) || System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 200;
        }

        return console;
    }
}

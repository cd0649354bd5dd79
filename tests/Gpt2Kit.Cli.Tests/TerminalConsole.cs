using Spectre.Console;

namespace Gpt2Kit.Cli.Tests;

/// <summary>Contexts that make the CLI believe its writers are terminals, rendered without colours (and, unless
/// <c>ansi</c>, without cursor moves) so that the rich output can be read back as text.</summary>
internal static class TerminalConsole
{
    public static CliContext Context(TextWriter stdout, TextWriter stderr, bool outIsTerminal, bool errorIsTerminal,
        long loadProgressMinimumBytes = CliContext.DefaultLoadProgressMinimumBytes, bool ansi = false) =>
        new(stdout, stderr)
        {
            OutIsTerminal = outIsTerminal,
            ErrorIsTerminal = errorIsTerminal,
            LoadProgressMinimumBytes = loadProgressMinimumBytes,
            CreateConsole = writer => Plain(writer, ansi),
        };

    // Live displays (progress) draw only with ANSI cursor control; without it Spectre falls back to occasional lines.
    private static IAnsiConsole Plain(TextWriter writer, bool ansi)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
        });
        console.Profile.Width = 160;
        return console;
    }
}

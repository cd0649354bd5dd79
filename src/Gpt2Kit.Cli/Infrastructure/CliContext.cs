using Spectre.Console;

namespace Gpt2Kit.Cli;

/// <summary>What every command writes to, and how: a writer that is an interactive terminal gets rich output (Spectre
/// tables, live progress); a redirected one gets plain text with stable columns and no live display.</summary>
/// <param name="Out">Standard output: results.</param>
/// <param name="Error">Standard error: errors, warnings, progress and notes.</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error)
{
    /// <summary>Checkpoints at least this large show loading progress (200 MB: smaller ones load in a blink).</summary>
    public const long DefaultLoadProgressMinimumBytes = 200_000_000;

    /// <summary>Whether <see cref="Out"/> is an interactive terminal.</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>Whether <see cref="Error"/> is an interactive terminal.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Checkpoints at least this large show loading progress on a terminal's stderr.</summary>
    public long LoadProgressMinimumBytes { get; init; } = DefaultLoadProgressMinimumBytes;

    /// <summary>Creates the Spectre console that renders rich output on a terminal writer (tests give a plain one).</summary>
    public Func<TextWriter, IAnsiConsole> CreateConsole { get; init; } = DetectConsole;

    /// <summary>The context of the process: a writer is a terminal when it is the console's own and not redirected.</summary>
    public static CliContext ForConsole(TextWriter stdout, TextWriter stderr) => new(stdout, stderr)
    {
        OutIsTerminal = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected,
        ErrorIsTerminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected,
    };

    // Spectre detects colour and cursor support from the terminal behind the writer.
    private static IAnsiConsole DetectConsole(TextWriter writer) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
}

using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

/// <summary><c>generate --stream</c> writes text as it is produced, and Ctrl+C (the token given to <c>CliApp.RunAsync</c>)
/// stops it with what was generated, a "stopped" note and exit code 130.</summary>
public class GenerateStreamingTests
{
    private static readonly string Tiny = FixturePaths.Checkpoint("gpt2-tiny");

    private static readonly string[] Greedy = ["generate", "--model", Tiny, "--prompt", "Hello, my name is", "--max-new-tokens", "24"];

    [Fact]
    public async Task The_streamed_text_is_the_final_text_written_piece_by_piece()
    {
        var json = await CliRunner.RunJsonAsync([.. Greedy, "--json"]);
        string final = json.GetProperty("texts")[0].GetString()!;
        var stdout = new RecordingWriter();

        int code = await CliApp.RunAsync([.. Greedy, "--stream"], stdout, new StringWriter());

        code.Should().Be(ExitCodes.Success);
        stdout.ToString().Should().Be(final + Environment.NewLine);
        stdout.Pieces.Should().HaveCountGreaterThan(12, "most of the 24 tokens arrive in writes of their own, not all at the end");
        string.Concat(stdout.Pieces).Should().Be(final);
        stdout.FlushesAfterPieces.Should().BeGreaterThanOrEqualTo(stdout.Pieces.Count, "each piece is flushed to the terminal at once");
    }

    [Fact]
    public async Task On_a_terminal_plain_generate_streams_without_asking_and_a_pipe_gets_the_text_whole()
    {
        string final = (await CliRunner.RunJsonAsync([.. Greedy, "--json"])).GetProperty("texts")[0].GetString()!;

        var terminal = new RecordingWriter();
        var context = TerminalConsole.Context(terminal, new StringWriter(), outIsTerminal: true, errorIsTerminal: false);
        (await CliApp.RunAsync([.. Greedy], context)).Should().Be(ExitCodes.Success);
        terminal.ToString().Should().Be(final + Environment.NewLine);
        terminal.Pieces.Should().HaveCountGreaterThan(12, "a person at a terminal sees the text as it is produced");

        var pipe = new RecordingWriter();
        (await CliApp.RunAsync([.. Greedy], pipe, new StringWriter())).Should().Be(ExitCodes.Success);
        pipe.ToString().Should().Be(final + Environment.NewLine);
        pipe.Pieces.Should().HaveCountLessThan(3, "redirected output is written once, when the text is complete");
    }

    [Fact]
    public async Task Ctrl_C_stops_with_the_text_so_far_a_newline_a_note_and_exit_code_130()
    {
        var json = await CliRunner.RunJsonAsync([.. Greedy, "--json"]);
        string final = json.GetProperty("texts")[0].GetString()!;
        using var ctrlC = new CancellationTokenSource();
        var stdout = new RecordingWriter { AfterPiece = count => { if (count == 3) { ctrlC.Cancel(); } } };
        var stderr = new StringWriter();

        int code = await CliApp.RunAsync([.. Greedy, "--stream"], stdout, stderr, ctrlC.Token);

        code.Should().Be(ExitCodes.Cancelled);
        string printed = stdout.ToString();
        printed.Should().EndWith(Environment.NewLine).And.NotEndWith(Environment.NewLine + Environment.NewLine);
        final.Should().StartWith(printed[..^Environment.NewLine.Length], "what was printed is the start of the uncancelled text");
        printed.Length.Should().BeGreaterThanOrEqualTo(string.Concat(stdout.Pieces.Take(3)).Length);
        stderr.ToString().Should().StartWith("stopped").And.EndWith(Environment.NewLine);
        stderr.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle();
    }

    [Theory]
    [InlineData("generate", "--prompt", "Hello")]
    [InlineData("generate", "--prompt", "Hello", "--json")]
    [InlineData("inspect", "--prompt", "Hello", "--steps", "3")]
    [InlineData("score", "--prompt", "Hello", "--continuation", " world")]
    public async Task A_cancelled_command_exits_with_130_and_prints_no_result(params string[] args)
    {
        using var ctrlC = new CancellationTokenSource();
        ctrlC.Cancel();
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = await CliApp.RunAsync([args[0], "--model", Tiny, .. args[1..]], stdout, stderr, ctrlC.Token);

        code.Should().Be(ExitCodes.Cancelled);
        stdout.ToString().Should().BeEmpty();
        stderr.ToString().Should().Be("stopped." + Environment.NewLine);
    }

    /// <summary>Records each piece of text written with <c>Write(string)</c> and the flushes after them.</summary>
    private sealed class RecordingWriter : StringWriter
    {
        public List<string> Pieces { get; } = [];

        public int FlushesAfterPieces { get; private set; }

        /// <summary>Called after each non-empty piece with the number of pieces so far.</summary>
        public Action<int>? AfterPiece { get; init; }

        public override void Write(string? value)
        {
            base.Write(value);
            if (!string.IsNullOrEmpty(value) && value != Environment.NewLine)
            {
                Pieces.Add(value);
                AfterPiece?.Invoke(Pieces.Count);
            }
        }

        public override void Flush()
        {
            base.Flush();
            FlushesAfterPieces += Pieces.Count > 0 ? 1 : 0;
        }
    }
}

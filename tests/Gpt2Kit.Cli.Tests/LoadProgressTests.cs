using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests;

/// <summary>Loading progress shows on a terminal's stderr for a big checkpoint, and never when stderr is redirected or with
/// <c>--json</c>; stdout is the same either way.</summary>
public class LoadProgressTests
{
    private static readonly string Tiny = FixturePaths.Checkpoint("gpt2-tiny");

    private static readonly string[] Generate = ["generate", "--model", Tiny, "--prompt", "Hello", "--max-new-tokens", "5"];

    [Fact]
    public async Task A_terminal_shows_the_backends_loading_progress_for_a_big_checkpoint()
    {
        var plain = await CliRunner.RunAsync(Generate);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        // The tiny checkpoint counts as big when the threshold is 0.
        int code = await CliApp.RunAsync(Generate, TerminalConsole.Context(stdout, stderr, outIsTerminal: false, errorIsTerminal: true, loadProgressMinimumBytes: 0, ansi: true));

        code.Should().Be(ExitCodes.Success, stderr.ToString());
        stdout.ToString().Should().Be(plain.Out);
        stderr.ToString().Should().Contain("loading gpt2-tiny").And.Contain("100%");
    }

    [Theory]
    [InlineData(true, false, 0L)]
    [InlineData(false, true, 0L)]
    [InlineData(false, false, CliContext.DefaultLoadProgressMinimumBytes)]
    public async Task Nothing_shows_when_redirected_with_json_or_for_a_small_checkpoint(bool json, bool redirected, long threshold)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] args = json ? [.. Generate, "--json"] : Generate;

        int code = await CliApp.RunAsync(args, TerminalConsole.Context(stdout, stderr, outIsTerminal: false, errorIsTerminal: !redirected, loadProgressMinimumBytes: threshold));

        code.Should().Be(ExitCodes.Success, stderr.ToString());
        stdout.ToString().Should().NotBeEmpty();
        stderr.ToString().Should().BeEmpty();
    }

    [Fact]
    public void A_checkpoint_behind_links_counts_the_files_linked_to()
    {
        // The Hugging Face cache keeps a snapshot's files as links to blobs.
        string snapshot = Directory.CreateTempSubdirectory("gpt2kit-snapshot-").FullName;
        try
        {
            var target = new FileInfo(Path.Combine(Tiny, "model.safetensors"));
            File.CreateSymbolicLink(Path.Combine(snapshot, "model.safetensors"), target.FullName);

            ModelLoadProgress.CheckpointBytes(snapshot).Should().Be(target.Length);
            ModelLoadProgress.CheckpointBytes(Path.Combine(snapshot, "missing")).Should().Be(0);
        }
        finally
        {
            Directory.Delete(snapshot, recursive: true);
        }
    }
}

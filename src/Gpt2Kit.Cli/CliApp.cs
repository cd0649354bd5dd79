using System.CommandLine;
using Gpt2Kit.Cli.Commands;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Decoding;
using Gpt2Kit.Models;

namespace Gpt2Kit.Cli;

/// <summary>Builds the <c>gpt2kit</c> command tree and maps failures to one stderr line and an exit code.
/// Each command lives in its own file under Commands/ with a static <c>Create(CliContext)</c>.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("gpt2kit: GPT-2 text generation with Hugging Face generate() behaviour, on the CPU.");
        // Commands register here, one line each: root.Subcommands.Add(XCommand.Create(context));
        root.Subcommands.Add(GenerateCommand.Create(context));
        root.Subcommands.Add(InspectCommand.Create(context));
        root.Subcommands.Add(ScoreCommand.Create(context));
        root.Subcommands.Add(TokenizeCommand.Create(context));
        root.Subcommands.Add(DetokenizeCommand.Create(context));
        root.Subcommands.Add(LogitsCommand.Create(context));
        root.Subcommands.Add(InfoCommand.Create(context));
        root.Subcommands.Add(CreateRandomCommand.Create(context));
        root.Subcommands.Add(BenchCommand.Create(context));
        root.Subcommands.Add(PluginsCommand.Create(context));
        root.Subcommands.Add(DownloadCommand.Create(context));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(stdout, stderr);
        var root = BuildRoot(context);
        // No response files: "--config @file" names a settings file for the command to read, not more arguments.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"error: {error.Message}");
            }

            return ExitCodes.Usage;
        }

        try
        {
            // Program.cs owns Ctrl+C (it cancels cancellationToken), so System.CommandLine must not install its own handler.
            var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return await parse.InvokeAsync(config, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is CliException or ModelLoadException or GenerationConfigurationException
                                      or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                      or ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return e is CliException cli ? cli.ExitCode : ExitCodes.Failure;
        }
    }
}

/// <summary>What every command writes to.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error);

using System.CommandLine;
using Gpt2Kit.Cli.Commands;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Decoding;
using Gpt2Kit.Models;

namespace Gpt2Kit.Cli;

/// <summary>Builds the <c>gpt2kit</c> command tree and maps outcomes to exit codes the same way for every command:
/// 0 success, 1 failure (one <c>error: …</c> line on stderr, no stack trace), 2 a command line that does not parse (with a
/// pointer to <c>--help</c>), 130 cancelled by Ctrl+C. Each command lives in its own file under Commands/ with a static
/// <c>Create(CliContext)</c>.</summary>
internal static class CliApp
{
    /// <summary>How long a command that does not watch the cancellation token may go on after Ctrl+C before the CLI stops
    /// waiting for it (commands that watch it stop within one generation step).</summary>
    internal static readonly TimeSpan CancellationGracePeriod = TimeSpan.FromSeconds(2);

    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("gpt2kit: GPT-2 text generation with Hugging Face generate() behaviour, on the CPU.")
            .WithExamples(
                "gpt2kit generate --prompt \"Hello, my name is\" --max-new-tokens 20 --stream",
                "gpt2kit inspect --prompt \"The quick brown\" --steps 3 --top 5",
                "gpt2kit download gpt2");
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
        root.Subcommands.Add(ConvertCommand.Create(context));
        root.Subcommands.Add(PluginsCommand.Create(context));
        root.Subcommands.Add(DownloadCommand.Create(context));
        HelpExamples.Install(root);
        return root;
    }

    /// <summary>Runs a command line; whether stdout and stderr are terminals is detected from the process's console.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(args, CliContext.ForConsole(stdout, stderr), cancellationToken);

    /// <summary>Runs a command line with the given output context.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = BuildRoot(context);
        var stderr = context.Error;
        // No response files: "--config @file" names a settings file for the command to read, not more arguments.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"error: {error.Message}");
            }

            stderr.WriteLine($"Run '{CommandPath(parse.CommandResult.Command)} --help' for usage and examples.");
            return ExitCodes.Usage;
        }

        try
        {
            // Program.cs owns Ctrl+C (it cancels cancellationToken), so System.CommandLine must not install its own handler.
            var config = new InvocationConfiguration { Output = context.Out, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            // The command runs beside this thread, so that a command that does not watch the token (a benchmark, a big
            // checkpoint write) cannot hold the process past Ctrl+C.
            var invocation = Task.Run(() => parse.InvokeAsync(config, cancellationToken), CancellationToken.None);
            if (!await FinishesOrIsCancelledAsync(invocation, cancellationToken) && !await FinishesWithinAsync(invocation, CancellationGracePeriod))
            {
                stderr.WriteLine("stopped.");
                return ExitCodes.Cancelled;
            }

            return await invocation;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("stopped.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is CliException or ModelLoadException or GenerationConfigurationException
                                      or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                      or ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException
                                      or NotSupportedException or FormatException or OverflowException or System.Text.Json.JsonException
                                      or System.Net.Http.HttpRequestException or TimeoutException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return e is CliException cli ? cli.ExitCode : ExitCodes.Failure;
        }
        catch (OutOfMemoryException e)
        {
            // Sizes are checked before allocating, but the machine may still run short; the process stays up to say so.
            stderr.WriteLine($"error: out of memory ({e.Message}); try a smaller batch, fewer beams or a shorter max_length.");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            // A bug rather than bad input; still one line and exit code 1, never a stack trace.
            stderr.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>The command line that names <paramref name="command"/>, e.g. <c>gpt2kit generate</c>.</summary>
    internal static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(c is RootCommand ? HelpExamples.ProgramName : c.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    // True when the command ended; false when Ctrl+C came first.
    private static async Task<bool> FinishesOrIsCancelledAsync(Task invocation, CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = cancellationToken.Register(() => cancelled.TrySetResult());
        return await Task.WhenAny(invocation, cancelled.Task) == invocation;
    }

    private static async Task<bool> FinishesWithinAsync(Task invocation, TimeSpan delay) =>
        await Task.WhenAny(invocation, Task.Delay(delay)) == invocation;
}

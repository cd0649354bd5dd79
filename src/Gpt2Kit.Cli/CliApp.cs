using System.CommandLine;

namespace Gpt2Kit.Cli;

/// <summary>Builds the <c>gpt2kit</c> command tree. Each command lives in its own file under Commands/.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("gpt2kit: GPT-2 text generation with Hugging Face generate() behaviour, on the CPU.");
        // Commands register here, one line each.
        return root;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = BuildRoot(stdout, stderr);
        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return await root.Parse(args).InvokeAsync(config);
    }
}

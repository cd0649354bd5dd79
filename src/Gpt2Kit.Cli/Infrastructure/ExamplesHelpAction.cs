using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>System.CommandLine's help, followed by an <c>Examples:</c> section (<see cref="HelpExamples"/>), with the usage lines
/// naming the program <c>gpt2kit</c> (System.CommandLine 2.0 takes the name from the executable file, e.g. <c>Gpt2Kit.Cli</c>,
/// and its help builder cannot be customized).</summary>
/// <remarks>Invoked once per command line; not thread-safe.</remarks>
internal sealed class ExamplesHelpAction(HelpAction standard) : SynchronousCommandLineAction
{
    /// <summary>Help is shown even when required options are missing, as the standard help action does.</summary>
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        var configuration = parseResult.InvocationConfiguration;
        var output = configuration.Output;
        using var buffer = new StringWriter();
        configuration.Output = buffer;
        try
        {
            standard.Invoke(parseResult);
        }
        finally
        {
            configuration.Output = output;
        }

        output.Write(NameTheProgram(buffer.ToString()));
        var examples = HelpExamples.Of(parseResult.CommandResult.Command);
        if (examples.Count > 0)
        {
            output.WriteLine("Examples:");
            foreach (var example in examples)
            {
                output.WriteLine($"  {example}");
            }

            output.WriteLine();
        }

        output.Flush();
        return ExitCodes.Success;
    }

    // Usage lines are indented by two spaces and start with the executable's name.
    private static string NameTheProgram(string help)
    {
        string executable = RootCommand.ExecutableName;
        return executable == HelpExamples.ProgramName
            ? help
            : help.Replace($"\n  {executable} ", $"\n  {HelpExamples.ProgramName} ", StringComparison.Ordinal);
    }
}

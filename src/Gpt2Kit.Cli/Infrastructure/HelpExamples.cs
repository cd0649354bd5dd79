using System.CommandLine;
using System.CommandLine.Help;
using System.Runtime.CompilerServices;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>Example invocations shown at the end of a command's <c>--help</c>, and the program name help uses.</summary>
/// <remarks>The examples are kept beside the command objects (a weak table), so that the root's command list stays one line per
/// command; thread-safe.</remarks>
internal static class HelpExamples
{
    /// <summary>The name users type; help and examples use it whatever the executable file is called.</summary>
    public const string ProgramName = "gpt2kit";

    private static readonly ConditionalWeakTable<Command, string[]> Examples = [];

    /// <summary>Attaches 1–3 example invocations (each starting with <c>gpt2kit</c>) to <paramref name="command"/>.</summary>
    public static T WithExamples<T>(this T command, params string[] examples)
        where T : Command
    {
        if (examples.Length is < 1 or > 3 || examples.Any(e => !e.StartsWith(ProgramName + " ", StringComparison.Ordinal)))
        {
            throw new ArgumentException($"'{command.Name}': give 1 to 3 examples, each starting with '{ProgramName} '.", nameof(examples));
        }

        Examples.AddOrUpdate(command, examples);
        return command;
    }

    /// <summary>The examples of <paramref name="command"/>, or none.</summary>
    public static IReadOnlyList<string> Of(Command command) => Examples.TryGetValue(command, out var examples) ? examples : [];

    /// <summary>Makes every <c>--help</c> under <paramref name="root"/> end with the command's examples and name the program
    /// <c>gpt2kit</c> in its usage lines.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is HelpAction standard)
        {
            help.Action = new ExamplesHelpAction(standard);
        }
    }
}

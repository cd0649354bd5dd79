using System.CommandLine;
using Gpt2Kit.Gpt2;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary><c>--dtype</c>: the format the model's weights are computed from, for every command that loads a model.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class DTypeOption
{
    /// <summary>A new <c>--dtype</c> option.</summary>
    public static Option<string> Create() => new("--dtype")
    {
        Description = "Weight format: auto (as stored: f32, f16 and bf16 checkpoints stay as they are), f32, bf16, f16 or q8 (8-bit, a scale per 32 weights).",
    };

    /// <summary>The value of <paramref name="option"/> (null when not given).</summary>
    /// <exception cref="CliException">Not a supported format.</exception>
    public static string? Read(ParseResult parse, Option<string> option)
    {
        string? value = parse.GetValue(option);
        return value is null || Gpt2Model.SupportedDTypes.Contains(value.Trim().ToLowerInvariant())
            ? value
            : throw new CliException($"--dtype: '{value}' is not a weight format; expected one of {string.Join(", ", Gpt2Model.SupportedDTypes)}.");
    }
}

using System.Globalization;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Option checks that several built-in strategies share.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class StrategyValidation
{
    /// <summary>The beam modes: <c>num_beams</c> &gt;= 1 and <c>num_return_sequences</c> in [1, num_beams].</summary>
    public static void ValidateBeams(ResolvedGenerationOptions options)
    {
        if (options.NumBeams < 1)
        {
            throw new GenerationConfigurationException("num_beams", options.NumBeams.ToString(CultureInfo.InvariantCulture), "an integer >= 1");
        }

        if (options.NumReturnSequences < 1 || options.NumReturnSequences > options.NumBeams)
        {
            throw new GenerationConfigurationException("num_return_sequences", options.NumReturnSequences.ToString(CultureInfo.InvariantCulture),
                $"an integer in [1, num_beams = {options.NumBeams}] in beam search");
        }
    }

    /// <summary>The sampling modes: <c>temperature</c> &gt; 0. <paramref name="otherwise"/> names the mode to use
    /// without sampling.</summary>
    public static void ValidateTemperature(ResolvedGenerationOptions options, string otherwise)
    {
        if (!(options.Temperature > 0))
        {
            throw new GenerationConfigurationException("temperature", options.Temperature.ToString(CultureInfo.InvariantCulture),
                $"a number > 0 when sampling (set do_sample=false for {otherwise})");
        }
    }

    /// <summary>The modes with one answer per prompt: <c>num_return_sequences</c> = 1. <paramref name="allowed"/> completes
    /// the message after "1 ".</summary>
    public static void ValidateSingleSequence(ResolvedGenerationOptions options, string allowed)
    {
        if (options.NumReturnSequences != 1)
        {
            throw new GenerationConfigurationException("num_return_sequences", options.NumReturnSequences.ToString(CultureInfo.InvariantCulture),
                $"1 {allowed}");
        }
    }
}

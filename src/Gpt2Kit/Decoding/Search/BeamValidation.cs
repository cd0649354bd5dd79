using System.Globalization;

namespace Gpt2Kit.Decoding.Search;

/// <summary>Checks shared by the beam modes.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class BeamValidation
{
    public static void ValidateBeams(GenerationOptions options)
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
}

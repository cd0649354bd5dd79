using Gpt2Kit.Decoding;

namespace Gpt2Kit.Configuration;

/// <summary>The ranges of <see cref="GenerationOptions"/> fields that hold whatever the decoding mode is (Hugging Face's
/// <c>GenerationConfig.validate</c> and the processors' own constructor checks). Checks that depend on the mode
/// (temperature &gt; 0 only when sampling, group counts dividing beams, …) belong to the search strategies.</summary>
/// <remarks>For list fields the range applies to each element.</remarks>
internal static class GenerationOptionRanges
{
    private static readonly NumberRange TokenId = NumberRange.AtLeast(0);

    private static readonly Dictionary<string, NumberRange> Ranges = new(StringComparer.Ordinal)
    {
        [nameof(GenerationOptions.MaxLength)] = NumberRange.AtLeast(1),
        [nameof(GenerationOptions.MaxNewTokens)] = NumberRange.AtLeast(1),
        [nameof(GenerationOptions.MinLength)] = NumberRange.AtLeast(0),
        [nameof(GenerationOptions.MinNewTokens)] = NumberRange.AtLeast(0),
        [nameof(GenerationOptions.NumBeams)] = NumberRange.AtLeast(1),
        [nameof(GenerationOptions.NumBeamGroups)] = NumberRange.AtLeast(1),
        [nameof(GenerationOptions.PenaltyAlpha)] = NumberRange.AtLeast(0),
        [nameof(GenerationOptions.TopK)] = NumberRange.AtLeast(0),
        [nameof(GenerationOptions.TopP)] = NumberRange.Between(0, 1),
        [nameof(GenerationOptions.MinP)] = NumberRange.Between(0, 1),

        // 1 disables typical sampling; 0 would keep nothing.
        [nameof(GenerationOptions.TypicalP)] = new(0, 1, MinExclusive: true),

        // 0 disables; HF's warpers reject 1 and above.
        [nameof(GenerationOptions.EpsilonCutoff)] = new(0, 1, MaxExclusive: true),
        [nameof(GenerationOptions.EtaCutoff)] = new(0, 1, MaxExclusive: true),
        [nameof(GenerationOptions.DiversityPenalty)] = NumberRange.AtLeast(0),

        // HF's penalty processors divide by these.
        [nameof(GenerationOptions.RepetitionPenalty)] = NumberRange.Above(0),
        [nameof(GenerationOptions.EncoderRepetitionPenalty)] = NumberRange.Above(0),
        [nameof(GenerationOptions.NoRepeatNgramSize)] = NumberRange.AtLeast(0),
        [nameof(GenerationOptions.EncoderNoRepeatNgramSize)] = NumberRange.AtLeast(0),
        [nameof(GenerationOptions.BadWordsIds)] = TokenId,
        [nameof(GenerationOptions.ForcedBosTokenId)] = TokenId,
        [nameof(GenerationOptions.ForcedEosTokenId)] = TokenId,
        [nameof(GenerationOptions.SuppressTokens)] = TokenId,
        [nameof(GenerationOptions.BeginSuppressTokens)] = TokenId,
        [nameof(GenerationOptions.SequenceBias)] = TokenId,
        [nameof(GenerationOptions.NumReturnSequences)] = NumberRange.AtLeast(1),
        [nameof(GenerationOptions.PadTokenId)] = TokenId,
        [nameof(GenerationOptions.BosTokenId)] = TokenId,
        [nameof(GenerationOptions.EosTokenId)] = TokenId,
        [nameof(GenerationOptions.MaxTime)] = NumberRange.Above(0),
        [nameof(GenerationOptions.LogitBias)] = TokenId,
        [nameof(GenerationOptions.RepetitionPenaltyWindow)] = NumberRange.AtLeast(0),
        [nameof(GenerationOptions.TopAlternatives)] = NumberRange.AtLeast(0),
    };

    /// <summary>The range of a field (by property name); any finite number when the field has none.</summary>
    public static NumberRange For(string propertyName) =>
        Ranges.TryGetValue(propertyName, out var range) ? range : NumberRange.Any;
}

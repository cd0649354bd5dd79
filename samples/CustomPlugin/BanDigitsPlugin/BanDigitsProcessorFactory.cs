using System.Collections.Concurrent;
using Gpt2Kit.Decoding;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Samples.BanDigits;

/// <summary>The processor <c>ban_digits</c>: tokens whose text contains a digit are never generated. Setting:
/// <c>penalty</c> (subtracted from their scores; default: ban them outright).</summary>
/// <remarks>Thread-safe: one factory serves every request; the banned ids of each tokenizer are computed once.</remarks>
public sealed class BanDigitsProcessorFactory : ILogitsProcessorFactory
{
    private readonly ConcurrentDictionary<ITokenizer, int[]> _bannedIds = new();

    /// <inheritdoc/>
    public string Name => "ban_digits";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);

        // Settings come with their path, so errors read "Gpt2Kit:Processors:2:penalty: '-1' is not allowed; …".
        var penalty = arguments.GetDouble("penalty", double.PositiveInfinity, min: 0);
        var tokenizer = context.Tokenizer
            ?? throw new GenerationConfigurationException(arguments.Path, "ban_digits needs the host's tokenizer to know which tokens hold digits.");
        var banned = _bannedIds.GetOrAdd(tokenizer, t => FindDigitTokens(t, context.Model.VocabSize));
        return new BanDigitsProcessor(banned, (float)penalty);
    }

    private static int[] FindDigitTokens(ITokenizer tokenizer, int vocabSize) => Enumerable.Range(0, vocabSize)
        .Where(id => !tokenizer.IsSpecialToken(id) && tokenizer.GetTokenBytes(id).IndexOfAnyInRange((byte)'0', (byte)'9') >= 0)
        .ToArray();

    /// <summary>Per request; the ids are shared and never changed.</summary>
    private sealed class BanDigitsProcessor(int[] banned, float penalty) : ILogitsProcessor
    {
        public void Process(in LogitsContext context, Span<float> scores)
        {
            foreach (var id in banned)
            {
                scores[id] = float.IsPositiveInfinity(penalty) ? float.NegativeInfinity : scores[id] - penalty;
            }
        }
    }
}

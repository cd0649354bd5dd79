namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>NoBadWordsLogitsProcessor</c>: a sequence bias of −∞ for each banned sequence. A single-token
/// sequence is always banned; a longer one bans its last token when the row ends with the rest of it. Entries that are
/// just an end-of-sequence id are dropped, as Hugging Face does.</summary>
/// <remarks>Keeps a scratch table; one instance per request, not thread-safe.</remarks>
internal sealed class BadWordsProcessor : ILogitsProcessor
{
    private readonly SequenceBiasTable _table;

    /// <summary>Creates the processor.</summary>
    public BadWordsProcessor(IEnumerable<int[]> badWords, IReadOnlyCollection<int> eosTokenIds)
    {
        ArgumentNullException.ThrowIfNull(badWords);
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        _table = new SequenceBiasTable(badWords
            .Where(words => !(words.Length == 1 && eosTokenIds.Contains(words[0])))
            .Select(words => (words, float.NegativeInfinity)));
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores) => _table.Apply(context.InputIds, scores);
}

/// <summary>Creates <c>bad_words</c> processors. Settings: <c>ids</c> (alias <c>bad_words_ids</c>), a non-empty list of
/// non-empty token id lists, ids in <c>[0, vocab)</c>. End-of-sequence ids come from the request.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class BadWordsProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "bad_words";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var key = SettingKeys.Choose(arguments, "ids", "bad_words_ids");
        var range = NumberRange.TokenIds(context.Model.VocabSize);
        var words = arguments.GetInt32Lists(key, (int)range.Min, (int)range.Max);
        if (words is null || words.Length == 0)
        {
            throw new GenerationConfigurationException(arguments.PathOf(key), null, "a non-empty list of token id lists");
        }

        for (var i = 0; i < words.Length; i++)
        {
            if (words[i].Length == 0)
            {
                throw new GenerationConfigurationException(arguments.PathOf($"{key}:{i}"), "[]", "a non-empty list of token ids");
            }
        }

        return new BadWordsProcessor(words, EndOfSequence.Ids(context));
    }
}

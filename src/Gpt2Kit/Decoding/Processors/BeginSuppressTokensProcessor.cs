namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>SuppressTokensAtBeginLogitsProcessor</c>: the given tokens get −∞ at the first generated step
/// only (<c>cur_len == P</c>, or <c>P + 1</c> when the prompt is one token and a BOS token is forced after it).</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class BeginSuppressTokensProcessor : ILogitsProcessor
{
    private readonly int[] _tokenIds;
    private readonly bool _forcedBos;

    /// <summary>Creates the processor; <paramref name="forcedBos"/> tells whether the request forces a BOS token.</summary>
    public BeginSuppressTokensProcessor(IEnumerable<int> tokenIds, bool forcedBos)
    {
        _tokenIds = tokenIds.ToArray();
        _forcedBos = forcedBos;
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var beginIndex = context.PromptLength == 1 && _forcedBos ? 2 : context.PromptLength;
        if (context.CurrentLength == beginIndex)
        {
            TokenMask.Ban(_tokenIds, scores);
        }
    }
}

/// <summary>Creates <c>begin_suppress_tokens</c> processors. Settings: <c>tokens</c> (alias <c>begin_suppress_tokens</c>), a
/// token id or a list of them, in <c>[0, vocab)</c>. Whether a BOS token is forced comes from the request.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class BeginSuppressTokensProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "begin_suppress_tokens";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        return new BeginSuppressTokensProcessor(
            SettingKeys.ReadTokenIds(arguments, "tokens", "begin_suppress_tokens", context.Model.VocabSize),
            context.Options.ForcedBosTokenId is not null);
    }
}

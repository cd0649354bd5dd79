namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>SuppressTokensLogitsProcessor</c>: the given tokens always get −∞.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class SuppressTokensProcessor : ILogitsProcessor
{
    private readonly int[] _tokenIds;

    /// <summary>Creates the processor.</summary>
    public SuppressTokensProcessor(IEnumerable<int> tokenIds) => _tokenIds = tokenIds.ToArray();

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores) => TokenMask.Ban(_tokenIds, scores);
}

/// <summary>Creates <c>suppress_tokens</c> processors. Settings: <c>tokens</c> (alias <c>suppress_tokens</c>), a token id or
/// a list of them, in <c>[0, vocab)</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class SuppressTokensProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "suppress_tokens";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        return new SuppressTokensProcessor(SettingKeys.ReadTokenIds(arguments, "tokens", "suppress_tokens", context.Model.VocabSize));
    }
}

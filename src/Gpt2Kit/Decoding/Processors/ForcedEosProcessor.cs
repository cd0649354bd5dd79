namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>ForcedEOSTokenLogitsProcessor</c>: at the last step before the maximum length
/// (<c>cur_len == max_length − 1</c>) every score becomes −∞ except the forced ids', which become 0.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class ForcedEosProcessor : ILogitsProcessor
{
    private readonly int[] _tokenIds;

    /// <summary>Creates the processor.</summary>
    public ForcedEosProcessor(IEnumerable<int> tokenIds) => _tokenIds = tokenIds.ToArray();

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        if (context.CurrentLength == context.MaxLength - 1)
        {
            TokenMask.AllowOnly(_tokenIds, scores);
        }
    }
}

/// <summary>Creates <c>forced_eos</c> processors. Settings: <c>tokens</c> (alias <c>forced_eos_token_id</c>), a token id or
/// a list of them, in <c>[0, vocab)</c>. The maximum length is the request's.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class ForcedEosProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "forced_eos";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        return new ForcedEosProcessor(SettingKeys.ReadTokenIds(arguments, "tokens", "forced_eos_token_id", context.Model.VocabSize));
    }
}

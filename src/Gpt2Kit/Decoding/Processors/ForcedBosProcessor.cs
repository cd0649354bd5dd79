namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>ForcedBOSTokenLogitsProcessor</c>: when the row is one token long, every score becomes −∞
/// except the forced id's, which becomes 0. It never fires for a prompt of two tokens or more.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class ForcedBosProcessor : ILogitsProcessor
{
    private readonly int _tokenId;

    /// <summary>Creates the processor.</summary>
    public ForcedBosProcessor(int tokenId) => _tokenId = tokenId;

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        if (context.CurrentLength == 1)
        {
            TokenMask.AllowOnly(new ReadOnlySpan<int>(in _tokenId), scores);
        }
    }
}

/// <summary>Creates <c>forced_bos</c> processors. Settings: <c>token</c> (alias <c>forced_bos_token_id</c>), a token id
/// in <c>[0, vocab)</c>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class ForcedBosProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "forced_bos";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        return new ForcedBosProcessor(
            SettingKeys.ReadInteger(arguments, "token", "forced_bos_token_id", NumberRange.TokenIds(context.Model.VocabSize)));
    }
}

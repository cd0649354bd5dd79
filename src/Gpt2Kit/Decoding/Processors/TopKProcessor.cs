namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>TopKLogitsWarper</c>: keeps the scores that are at least the k-th largest
/// (ties with it survive), with <c>k = max(k, min_tokens_to_keep)</c>.</summary>
/// <remarks>Keeps scratch buffers; one instance per request, not thread-safe.</remarks>
internal sealed class TopKProcessor : ILogitsProcessor
{
    private readonly int _k;
    private readonly ScoreSelector _selector = new();

    /// <summary>Creates the warper.</summary>
    public TopKProcessor(int k, int minTokensToKeep) => _k = Math.Max(k, minTokensToKeep);

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        if (_k >= scores.Length)
        {
            return;
        }

        ScoreKernels.MaskBelow(scores, _selector.KthLargest(scores, _k));
    }
}

/// <summary>Creates <c>top_k</c> warpers. Settings: <c>k</c> (alias <c>top_k</c>), an integer &gt;= 1;
/// <c>min_keep</c> (alias <c>min_tokens_to_keep</c>), an integer &gt;= 1, by default the request's.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class TopKProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "top_k";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Warper;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        var k = SettingKeys.ReadInteger(arguments, "k", "top_k", NumberRange.Integers(1));
        return new TopKProcessor(k, SettingKeys.ReadMinTokensToKeep(arguments, context));
    }
}

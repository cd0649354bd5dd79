using Gpt2Kit.Configuration;
namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>RepetitionPenaltyLogitsProcessor</c>: every token present in the row (prompt, padding and
/// generated tokens, or only the last <c>window</c> tokens) is penalized once: negative scores are multiplied by the
/// penalty, the others divided by it.</summary>
/// <remarks>A token repeated in the row is penalized once (<see cref="OncePerTokenRewriter"/>). Keeps a scratch buffer;
/// one instance per request, not thread-safe.</remarks>
internal sealed class RepetitionPenaltyProcessor : ILogitsProcessor
{
    private readonly SignedScale _penalty;
    private readonly int _window;
    private readonly OncePerTokenRewriter _rewriter = new();

    /// <summary>Creates the processor; <paramref name="penalty"/> &gt; 0; <paramref name="window"/> null looks at the whole row.</summary>
    public RepetitionPenaltyProcessor(double penalty, int? window = null)
    {
        _penalty = new SignedScale((float)penalty);
        _window = window ?? int.MaxValue;
    }

    /// <inheritdoc/>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        var ids = context.InputIds;
        if (ids.Length > _window)
        {
            ids = ids[^_window..];
        }

        _rewriter.Apply(ids, scores, _penalty);
    }
}

/// <summary>Creates <c>repetition_penalty</c> processors. Settings: <c>penalty</c> (alias <c>repetition_penalty</c>), a
/// number &gt; 0 (1 changes nothing); optional <c>window</c> (alias <c>repetition_penalty_window</c>), an integer &gt;= 1:
/// only the last <c>window</c> tokens of the row count.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class RepetitionPenaltyProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "repetition_penalty";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var penalty = SettingKeys.ReadNumber(arguments, "penalty", "repetition_penalty", NumberRange.Above(0));
        var windowKey = SettingKeys.Choose(arguments, "window", "repetition_penalty_window");
        int? window = arguments.Has(windowKey) ? arguments.GetInt32(windowKey, GenerationOptionRules.RepetitionPenaltyWindow.RequiredRange) : null;
        window = window is > 0 ? window : null;
        return new RepetitionPenaltyProcessor(penalty, window);
    }
}

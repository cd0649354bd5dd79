namespace Gpt2Kit.Decoding.Processors;

/// <summary>Hugging Face <c>RepetitionPenaltyLogitsProcessor</c>: every token present in the row (prompt, padding and
/// generated tokens, or only the last <c>window</c> tokens) is penalized once: negative scores are multiplied by the
/// penalty, the others divided by it.</summary>
/// <remarks>Like Hugging Face's gather/scatter, all penalized values are computed from the incoming scores before any
/// is written, so a token repeated in the row is penalized once. Keeps a scratch buffer; one instance per request,
/// not thread-safe.</remarks>
internal sealed class RepetitionPenaltyProcessor : ILogitsProcessor
{
    private readonly float _penalty;
    private readonly int _window;
    private float[] _penalized = [];

    /// <summary>Creates the processor; <paramref name="penalty"/> &gt; 0; <paramref name="window"/> null looks at the whole row.</summary>
    public RepetitionPenaltyProcessor(double penalty, int? window = null)
    {
        _penalty = (float)penalty;
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

        if (_penalized.Length < ids.Length)
        {
            _penalized = new float[Math.Max(ids.Length, 2 * _penalized.Length)];
        }

        for (var i = 0; i < ids.Length; i++)
        {
            var score = scores[ids[i]];
            _penalized[i] = score < 0 ? score * _penalty : score / _penalty;
        }

        for (var i = 0; i < ids.Length; i++)
        {
            scores[ids[i]] = _penalized[i];
        }
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
        var penalty = SettingKeys.ReadNumber(arguments, "penalty", "repetition_penalty", NumberRange.Positive);
        var windowKey = SettingKeys.Choose(arguments, "window", "repetition_penalty_window");
        int? window = arguments.Has(windowKey) ? new IntegerRange(1).Read(arguments, windowKey) : null;
        return new RepetitionPenaltyProcessor(penalty, window);
    }
}

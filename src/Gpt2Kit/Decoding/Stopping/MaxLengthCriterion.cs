namespace Gpt2Kit.Decoding.Stopping;

/// <summary>Hugging Face <c>MaxLengthCriteria</c>: a row is finished once it holds <c>max_length</c> tokens (prompt and
/// padding counted).</summary>
/// <remarks>Stateless; thread-safe. Every built-in strategy applies it itself (it is not created by a factory).</remarks>
internal sealed class MaxLengthCriterion : IStoppingCriterion
{
    public static readonly MaxLengthCriterion Instance = new();

    public FinishReason Check(in StoppingContext context) =>
        context.InputIds.Length >= context.MaxLength ? FinishReason.Length : FinishReason.None;
}

namespace Gpt2Kit.Decoding.Stopping;

/// <summary>Hugging Face <c>EosTokenCriteria</c>: a row is finished when its last token is one of the EOS ids (any number).</summary>
/// <remarks>Immutable; thread-safe. Every built-in strategy applies it itself (it is not created by a factory).</remarks>
internal sealed class EosTokenCriterion(int[] eosTokenIds) : IStoppingCriterion
{
    public FinishReason Check(in StoppingContext context) =>
        context.InputIds.Length > 0 && eosTokenIds.AsSpan().Contains(context.InputIds[^1]) ? FinishReason.EndOfSequence : FinishReason.None;
}

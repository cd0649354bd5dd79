namespace Gpt2Kit.Decoding.Processors;

/// <summary>The request's end-of-sequence ids as processors see them at creation.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class EndOfSequence
{
    /// <summary>The resolved options' EOS ids, or the model's when the options set none.</summary>
    public static IReadOnlyCollection<int> Ids(ProcessorCreationContext context) => Ids(context.Options, context.Model);

    /// <summary>The options' EOS ids, or the model's when the options set none.</summary>
    public static IReadOnlyCollection<int> Ids(ResolvedGenerationOptions options, Models.ModelInfo model) =>
        options.EosTokenId is { } ids ? ids.ToArray() : model.EosTokenIds.ToArray();
}

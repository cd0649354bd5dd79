namespace Gpt2Kit.Decoding.Processors;

/// <summary>The processors of one request, in the order they run, with the name each was registered under.</summary>
/// <param name="Processors">The processors, applied first to last.</param>
/// <param name="Names">Their names (<c>repetition_penalty</c>, <c>top_k</c>, …), one per processor.</param>
/// <remarks>Belongs to one request, like its processors: not thread-safe.</remarks>
public sealed record ProcessorChain(IReadOnlyList<ILogitsProcessor> Processors, IReadOnlyList<string> Names)
{
    /// <summary>Runs every processor on one row's scores, in order.</summary>
    public void Process(in LogitsContext context, Span<float> scores)
    {
        // Indexing rather than foreach: no enumerator is allocated per token.
        for (var i = 0; i < Processors.Count; i++)
        {
            Processors[i].Process(context, scores);
        }
    }
}

namespace Gpt2Kit.Gpt2.Model;

/// <summary>The activation buffers of up to <c>rows</c> rows that the transformer blocks work in, carved from one scratch
/// block (16-float aligned each).</summary>
/// <remarks>A view over memory its owner frees; immutable.</remarks>
internal readonly unsafe struct BlockActivations
{
    /// <summary>The residual stream <c>[rows, n_embd]</c>.</summary>
    public float* Hidden { get; private init; }

    /// <summary>LayerNorm outputs <c>[rows, n_embd]</c>.</summary>
    public float* Normed { get; private init; }

    /// <summary>Queries, keys and values <c>[rows, 3 · n_embd]</c>.</summary>
    public float* Qkv { get; private init; }

    /// <summary>Attention outputs, heads merged <c>[rows, n_embd]</c>.</summary>
    public float* Attention { get; private init; }

    /// <summary>Projection outputs added to the residual stream <c>[rows, n_embd]</c>.</summary>
    public float* Projected { get; private init; }

    /// <summary>The MLP's inner activations <c>[rows, n_inner]</c>.</summary>
    public float* Mlp { get; private init; }

    /// <summary>The final LayerNorm's outputs <c>[rows, n_embd]</c>, the output layer's input.</summary>
    public float* Final { get; private init; }

    /// <summary>Floats <see cref="Carve"/> takes for <paramref name="rows"/> rows: eight rows of n_embd, one of n_inner, and
    /// the alignment of each of the seven buffers.</summary>
    public static long Floats(Gpt2Config config, long rows) => (rows * ((8L * config.HiddenSize) + config.InnerSize)) + (7 * 16);

    /// <summary>Takes the buffers for <paramref name="rows"/> rows from <paramref name="next"/>, advancing it.</summary>
    public static BlockActivations Carve(ref float* next, Gpt2Config config, long rows)
    {
        long d = config.HiddenSize;
        return new BlockActivations
        {
            Hidden = Take(ref next, rows * d),
            Normed = Take(ref next, rows * d),
            Qkv = Take(ref next, rows * 3 * d),
            Attention = Take(ref next, rows * d),
            Projected = Take(ref next, rows * d),
            Mlp = Take(ref next, rows * config.InnerSize),
            Final = Take(ref next, rows * d),
        };
    }

    /// <summary>Takes <paramref name="count"/> floats (rounded up to 16) from <paramref name="next"/>, advancing it.</summary>
    public static float* Take(ref float* next, long count)
    {
        float* taken = next;
        next += (count + 15) / 16 * 16;
        return taken;
    }
}

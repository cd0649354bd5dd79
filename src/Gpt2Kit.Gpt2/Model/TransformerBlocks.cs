using System.Numerics.Tensors;
using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>GPT-2's transformer blocks over <c>m</c> rows, written once for a session's chunks and the batch decoder's
/// steps, so both run the same kernels in the same order (which batched decoding's bit-identical logits rely on). What
/// differs between them is where a row's keys and values go and which cache its attention reads:
/// <see cref="IAttentionStep"/>.</summary>
/// <remarks>Stateless; thread-safe as long as each caller passes its own buffers and work items.</remarks>
internal static unsafe class TransformerBlocks
{
    /// <summary>From this many rows on, LayerNorm and the activation are split over the team; fewer cost less inline
    /// than a dispatch (row-wise results do not depend on the split).</summary>
    public const int ParallelRowwiseMinRows = 16;

    /// <summary>A caller's attention: storing the new keys and values of a layer, then attending over its cache.</summary>
    public interface IAttentionStep
    {
        /// <summary>Copies the k and v thirds of each <see cref="BlockActivations.Qkv"/> row into the cache.</summary>
        void StoreKeysAndValues(int layer);

        /// <summary>Writes <see cref="BlockActivations.Attention"/> from the queries and the cache.</summary>
        void Attend(int layer, float scale);
    }

    /// <summary>Writes the embeddings of a token at a position (<c>wte[token] + wpe[position]</c>) into <paramref name="row"/>.</summary>
    public static void Embed(Gpt2Weights weights, int token, int position, Span<float> row, SimdWidth width)
    {
        WeightRows.Read(weights.TokenEmbedding.AsSpan(), token, row, width: width);
        WeightRows.Read(weights.PositionEmbedding.AsSpan(), position, row, accumulate: true, width);
    }

    /// <summary>Runs every block over rows 0..<paramref name="m"/> of <paramref name="a"/>'s residual stream.</summary>
    public static void Run<TAttention>(ref TAttention attention, Gpt2Config config, Gpt2Weights weights, in BlockActivations a, int m,
        WorkerTeam team, Conv1DWork conv, RowwiseWork rowwise)
        where TAttention : struct, IAttentionStep
    {
        int d = config.HiddenSize;
        var hidden = new Span<float>(a.Hidden, m * d);
        var projected = new ReadOnlySpan<float>(a.Projected, m * d);
        float baseScale = config.ScaleAttentionWeights ? 1f / MathF.Sqrt(config.HeadSize) : 1f;
        for (int layer = 0; layer < config.LayerCount; layer++)
        {
            ref readonly var w = ref weights.Layers[layer];
            rowwise.SetLayerNorm(a.Hidden, a.Normed, m, d, w.Norm1Weight, w.Norm1Bias, config.LayerNormEpsilon);
            RunRowwise(team, rowwise, m);
            Conv(team, conv, a.Normed, m, w.AttentionWeight, w.AttentionBias, a.Qkv);
            attention.StoreKeysAndValues(layer);
            attention.Attend(layer, config.ScaleAttentionByInverseLayerIndex ? baseScale / (layer + 1) : baseScale);
            Conv(team, conv, a.Attention, m, w.AttentionProjectionWeight, w.AttentionProjectionBias, a.Projected);
            TensorPrimitives.Add(hidden, projected, hidden);

            rowwise.SetLayerNorm(a.Hidden, a.Normed, m, d, w.Norm2Weight, w.Norm2Bias, config.LayerNormEpsilon);
            RunRowwise(team, rowwise, m);
            Conv(team, conv, a.Normed, m, w.MlpWeight, w.MlpBias, a.Mlp);
            rowwise.SetActivation(a.Mlp, m, config.InnerSize, config.Activation);
            RunRowwise(team, rowwise, m);
            Conv(team, conv, a.Mlp, m, w.MlpProjectionWeight, w.MlpProjectionBias, a.Projected);
            TensorPrimitives.Add(hidden, projected, hidden);
        }
    }

    /// <summary>The final LayerNorm of residual row <paramref name="source"/> into output row <paramref name="destination"/>
    /// of <see cref="BlockActivations.Final"/>.</summary>
    public static void FinalNorm(Gpt2Config config, Gpt2Weights weights, in BlockActivations a, int source, int destination)
    {
        int d = config.HiddenSize;
        LayerNorm.Compute(new ReadOnlySpan<float>(a.Hidden + ((long)source * d), d), 1, d, new ReadOnlySpan<float>(weights.FinalNormWeight, d),
            new ReadOnlySpan<float>(weights.FinalNormBias, d), config.LayerNormEpsilon, new Span<float>(a.Final + ((long)destination * d), d));
    }

    /// <summary>Copies a row's new key and value (the k and v thirds of its qkv row) into cache slot <paramref name="slot"/>.</summary>
    public static void StoreKeyAndValue(Gpt2Config config, float* qkv, KeyValueCache cache, int row, int layer, int slot)
    {
        int d = config.HiddenSize, headSize = config.HeadSize;
        long offset = (long)slot * headSize;
        for (int head = 0; head < config.HeadCount; head++)
        {
            new ReadOnlySpan<float>(qkv + d + (head * headSize), headSize).CopyTo(new Span<float>(cache.Keys(row, layer, head) + offset, headSize));
            new ReadOnlySpan<float>(qkv + (2 * d) + (head * headSize), headSize).CopyTo(new Span<float>(cache.Values(row, layer, head) + offset, headSize));
        }
    }

    private static void Conv(WorkerTeam team, Conv1DWork conv, float* input, int rows, WeightMatrix weight, float* bias, float* output)
    {
        conv.Set(input, rows, weight, bias, output);
        team.Run(conv);
        conv.ReducePartials();
    }

    private static void RunRowwise(WorkerTeam team, RowwiseWork rowwise, int rows)
    {
        if (rows >= ParallelRowwiseMinRows && team.WorkerCount > 1)
        {
            team.Run(rowwise);
        }
        else
        {
            rowwise.RunRows(0, rows);
        }
    }
}

using System.Numerics.Tensors;
using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>One decoding step (one new token per row) over the rows of several sessions: every Conv1D reads its weight
/// once for all rows, attention reads each row's own session cache. Each row goes through the same kernels, in the same
/// summation order, as when its session decodes alone (the streaming Conv1D kernel with the same chunking, the same
/// attention and output kernels), so its logits are bit-identical to <see cref="Gpt2Session.Forward"/>'s.</summary>
/// <remarks>Not thread-safe: one step at a time. Sessions wider than <see cref="Conv1DWork.StreamingMaxRows"/> rows
/// decode with the tiled kernel on their own, so the caller must not pass them here.</remarks>
internal sealed unsafe class BatchDecoder : IDisposable
{
    private readonly Gpt2Config _config;
    private readonly Gpt2Weights _weights;
    private readonly NativeBuffer _scratch;
    private readonly float* _hidden, _normed, _qkv, _attention, _projected, _mlp, _final;
    private readonly Conv1DWork _conv;
    private readonly RowwiseWork _rowwise = new();
    private readonly LogitsWork _logits;
    private readonly BatchAttentionWork _attentionWork;
    private readonly SimdWidth _width;

    /// <summary>Allocates scratch for steps of up to <paramref name="maxRows"/> rows on teams of <paramref name="workers"/>,
    /// with the kernels' SIMD width the model's sessions use.</summary>
    public BatchDecoder(Gpt2Config config, Gpt2Weights weights, int workers, int maxRows, SimdWidth width)
    {
        _config = config;
        _weights = weights;
        _width = width;
        MaxRows = maxRows;
        int d = config.HiddenSize;
        long partials = Conv1DWork.PartialFloats(workers, Math.Max(3 * d, config.InnerSize), maxRows);
        long scores = (long)workers * config.ContextLength;
        _scratch = new NativeBuffer(((long)maxRows * ((8L * d) + config.InnerSize)) + scores + partials + (9 * 16));
        float* next = _scratch.Pointer;
        float* Take(long count)
        {
            float* p = next;
            next += (count + 15) / 16 * 16;
            return p;
        }

        _hidden = Take((long)maxRows * d);
        _normed = Take((long)maxRows * d);
        _qkv = Take((long)maxRows * 3 * d);
        _attention = Take((long)maxRows * d);
        _projected = Take((long)maxRows * d);
        _mlp = Take((long)maxRows * config.InnerSize);
        _final = Take((long)maxRows * d);
        _attentionWork = new BatchAttentionWork(Take(scores), config.ContextLength, maxRows) { Width = width };
        _conv = new Conv1DWork(Take(partials), workers, width, maxRows);
        _logits = new LogitsWork(maxRows, width);
    }

    /// <summary>The most rows one step can take.</summary>
    public int MaxRows { get; }

    /// <summary>Runs the step. <paramref name="logits"/> holds one pointer per session to its rows' logits.</summary>
    /// <param name="team">A team with the model's worker count (the Conv1D chunking depends on it).</param>
    /// <param name="sessions">The sessions, each at most <see cref="Conv1DWork.StreamingMaxRows"/> rows wide, their
    /// <see cref="Gpt2Session.BeginBatchedStep"/> already called.</param>
    /// <param name="tokens">One id per row, in session order.</param>
    /// <param name="positions">One position per row.</param>
    /// <param name="logits">Per session, where its <c>[Rows, vocab]</c> logits go.</param>
    public void Decode(WorkerTeam team, IReadOnlyList<Gpt2Session> sessions, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions,
        ReadOnlySpan<nint> logits)
    {
        int d = _config.HiddenSize, inner = _config.InnerSize;
        int m = tokens.Length;
        _attentionWork.Clear();
        foreach (var session in sessions)
        {
            for (int r = 0; r < session.Rows; r++)
            {
                _attentionWork.AddRow(session, r);
            }
        }

        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(_hidden + ((long)i * d), d);
            WeightRows.Read(_weights.TokenEmbedding.AsSpan(), tokens[i], row, width: _width);
            WeightRows.Read(_weights.PositionEmbedding.AsSpan(), positions[i], row, accumulate: true, _width);
        }

        var hidden = new Span<float>(_hidden, m * d);
        var projected = new ReadOnlySpan<float>(_projected, m * d);
        float baseScale = _config.ScaleAttentionWeights ? 1f / MathF.Sqrt(_config.HeadSize) : 1f;
        for (int layer = 0; layer < _config.LayerCount; layer++)
        {
            ref readonly var w = ref _weights.Layers[layer];
            _rowwise.SetLayerNorm(_hidden, _normed, m, d, w.Norm1Weight, w.Norm1Bias, _config.LayerNormEpsilon);
            RunRowwise(team, m);
            Conv(team, _normed, m, w.AttentionWeight, w.AttentionBias, _qkv);
            StoreKeysAndValues(layer, m);
            float scale = _config.ScaleAttentionByInverseLayerIndex ? baseScale / (layer + 1) : baseScale;
            _attentionWork.Set(layer, _qkv, _attention, _config.HeadCount, _config.HeadSize, scale);
            team.Run(_attentionWork);
            Conv(team, _attention, m, w.AttentionProjectionWeight, w.AttentionProjectionBias, _projected);
            TensorPrimitives.Add(hidden, projected, hidden);

            _rowwise.SetLayerNorm(_hidden, _normed, m, d, w.Norm2Weight, w.Norm2Bias, _config.LayerNormEpsilon);
            RunRowwise(team, m);
            Conv(team, _normed, m, w.MlpWeight, w.MlpBias, _mlp);
            _rowwise.SetActivation(_mlp, m, inner, _config.Activation);
            RunRowwise(team, m);
            Conv(team, _mlp, m, w.MlpProjectionWeight, w.MlpProjectionBias, _projected);
            TensorPrimitives.Add(hidden, projected, hidden);
        }

        foreach (var session in sessions)
        {
            session.EndBatchedStep();
        }

        var norm = new ReadOnlySpan<float>(_weights.FinalNormWeight, d);
        var bias = new ReadOnlySpan<float>(_weights.FinalNormBias, d);
        for (int i = 0; i < m; i++)
        {
            LayerNorm.Compute(new ReadOnlySpan<float>(_hidden + ((long)i * d), d), 1, d, norm, bias, _config.LayerNormEpsilon,
                new Span<float>(_final + ((long)i * d), d));
        }

        _logits.Set(_final, _weights.OutputWeight);
        int first = 0;
        for (int s = 0; s < sessions.Count; s++)
        {
            _logits.AddSegment(first, sessions[s].Rows, (float*)logits[s]);
            first += sessions[s].Rows;
        }

        team.Run(_logits);
    }

    /// <summary>Frees the scratch.</summary>
    public void Dispose() => _scratch.Dispose();

    // The k and v thirds of each row's qkv go into its session's cache at that session's next slot.
    private void StoreKeysAndValues(int layer, int rows)
    {
        int d = _config.HiddenSize, headSize = _config.HeadSize;
        for (int i = 0; i < rows; i++)
        {
            var (session, row) = _attentionWork.RowAt(i);
            float* qkv = _qkv + ((long)i * 3 * d);
            long slot = (long)session.Length * headSize;
            for (int head = 0; head < _config.HeadCount; head++)
            {
                new ReadOnlySpan<float>(qkv + d + (head * headSize), headSize).CopyTo(new Span<float>(session.Cache.Keys(row, layer, head) + slot, headSize));
                new ReadOnlySpan<float>(qkv + (2 * d) + (head * headSize), headSize).CopyTo(new Span<float>(session.Cache.Values(row, layer, head) + slot, headSize));
            }
        }
    }

    private void Conv(WorkerTeam team, float* input, int rows, WeightMatrix weight, float* bias, float* output)
    {
        _conv.Set(input, rows, weight, bias, output);
        team.Run(_conv);
        _conv.ReducePartials();
    }

    private void RunRowwise(WorkerTeam team, int rows)
    {
        // Row-wise results do not depend on the split; a few rows cost less inline than a dispatch.
        if (rows >= 16 && team.WorkerCount > 1)
        {
            team.Run(_rowwise);
        }
        else
        {
            _rowwise.RunRows(0, rows);
        }
    }
}

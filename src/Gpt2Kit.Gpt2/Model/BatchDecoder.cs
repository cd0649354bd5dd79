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
    private readonly BlockActivations _activations;
    private readonly Conv1DWork _conv;
    private readonly RowwiseWork _rowwise = new();
    private readonly LogitsWork _logits;
    private readonly BatchAttentionWork _attentionWork;
    private readonly SimdWidth _width;
    private readonly float* _stepLogits;

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
        long logits = (long)maxRows * config.VocabSize;
        _scratch = new NativeBuffer(BlockActivations.Floats(config, maxRows) + scores + partials + logits + (3 * 16));
        float* next = _scratch.Pointer;
        _activations = BlockActivations.Carve(ref next, config, maxRows);
        _attentionWork = new BatchAttentionWork(BlockActivations.Take(ref next, scores), config.ContextLength, maxRows) { Width = width };
        _conv = new Conv1DWork(BlockActivations.Take(ref next, partials), workers, width, maxRows);
        _stepLogits = BlockActivations.Take(ref next, logits);
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
        int d = _config.HiddenSize;
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
            TransformerBlocks.Embed(_weights, tokens[i], positions[i], new Span<float>(_activations.Hidden + ((long)i * d), d), _width);
        }

        var attention = new StepAttention(this, team, m);
        TransformerBlocks.Run(ref attention, _config, _weights, _activations, m, team, _conv, _rowwise);
        foreach (var session in sessions)
        {
            session.EndBatchedStep();
        }

        for (int i = 0; i < m; i++)
        {
            TransformerBlocks.FinalNorm(_config, _weights, _activations, i, i);
        }

        // All rows' logits in one contiguous block, so the output kernel uses each weight row for up to four rows at a
        // time (the per-row sums are the same whichever rows share a pass); then each session's rows go to its span.
        // A step of one session writes its span directly.
        _logits.Set(_activations.Final, _weights.OutputWeight);
        _logits.AddSegment(0, m, sessions.Count == 1 ? (float*)logits[0] : _stepLogits);
        team.Run(_logits);
        if (sessions.Count == 1)
        {
            return;
        }

        long vocab = _config.VocabSize;
        int first = 0;
        for (int s = 0; s < sessions.Count; s++)
        {
            long floats = sessions[s].Rows * vocab;
            new ReadOnlySpan<float>(_stepLogits + (first * vocab), checked((int)floats)).CopyTo(new Span<float>((float*)logits[s], checked((int)floats)));
            first += sessions[s].Rows;
        }
    }

    /// <summary>Frees the scratch.</summary>
    public void Dispose() => _scratch.Dispose();

    /// <summary>A step's attention: one row per session row, each with its key and value at its session's next slot,
    /// attending over that session's cache.</summary>
    private readonly struct StepAttention(BatchDecoder decoder, WorkerTeam team, int rows) : TransformerBlocks.IAttentionStep
    {
        public void StoreKeysAndValues(int layer)
        {
            long rowFloats = 3L * decoder._config.HiddenSize;
            for (int i = 0; i < rows; i++)
            {
                var (session, row) = decoder._attentionWork.RowAt(i);
                TransformerBlocks.StoreKeyAndValue(decoder._config, decoder._activations.Qkv + (i * rowFloats), session.Cache, row, layer, session.Length);
            }
        }

        public void Attend(int layer, float scale)
        {
            decoder._attentionWork.Set(layer, decoder._activations.Qkv, decoder._activations.Attention, decoder._config.HeadCount,
                decoder._config.HeadSize, scale);
            team.Run(decoder._attentionWork);
        }
    }
}

using System.Runtime.InteropServices;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Models;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gpt2Kit.TorchSharp;

/// <summary>One request on a <see cref="TorchSharpGpt2Model"/>: a KV cache preallocated on the device
/// (<c>[rows, heads, capacity, head size]</c> per layer for keys and for values) and the attention-mask history.
/// Every tensor a forward pass makes lives in a dispose scope entered and left inside that synchronous call (scopes and
/// inference mode are per thread), so nothing but the cache outlives a step.</summary>
/// <remarks>Not thread-safe: one request on one thread at a time.</remarks>
internal sealed class TorchSharpSession : IModelSession
{
    private readonly TorchSharpGpt2Model _model;
    private readonly Gpt2Config _config;
    private readonly TorchGpt2Weights _weights;
    private readonly Device _device;
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly int[] _mask;
    private readonly int[] _maskScratch;
    private bool[] _allowed = [];
    private bool _disposed;

    public TorchSharpSession(TorchSharpGpt2Model model, int rows, int capacity)
    {
        _model = model;
        _config = model.Config;
        _weights = model.Weights;
        _device = model.Device;
        Rows = rows;
        Capacity = capacity;
        _mask = new int[rows * capacity];
        _maskScratch = new int[rows * capacity];
        var dtype = TorchRuntime.ScalarType(model.DType);
        _keys = new Tensor[_config.LayerCount];
        _values = new Tensor[_config.LayerCount];
        try
        {
            for (int layer = 0; layer < _config.LayerCount; layer++)
            {
                _keys[layer] = zeros([rows, _config.HeadCount, capacity, _config.HeadSize], dtype, _device);
                _values[layer] = zeros([rows, _config.HeadCount, capacity, _config.HeadSize], dtype, _device);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ModelInfo Info => _model.Info;

    public int Rows { get; }

    public int Capacity { get; }

    public int Length { get; private set; }

    public void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits,
        bool allPositions = false, Span<float> hiddenStates = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _model.ThrowIfDisposed();
        int newTokens = ForwardArguments.Validate(this, tokens, positions, attentionMask, logits, allPositions, hiddenStates);
        for (int r = 0; r < Rows; r++)
        {
            attentionMask.Slice(r * newTokens, newTokens).CopyTo(_mask.AsSpan((r * Capacity) + Length, newTokens));
        }

        // Both are per thread: entered here, inside the synchronous call, never around an await.
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        int rows = Rows, d = _config.HiddenSize, start = Length, window = start + newTokens;
        using var ids = IdTensor(tokens, rows, newTokens);
        using var positionIds = IdTensor(positions, rows, newTokens);
        var hidden = _weights.TokenEmbedding.index_select(0, ids).add_(_weights.PositionEmbedding.index_select(0, positionIds));
        var (mask, causal) = AttentionMask(newTokens, start);
        float baseScale = _config.ScaleAttentionWeights ? 1f : MathF.Sqrt(_config.HeadSize);
        for (int layer = 0; layer < _config.LayerCount; layer++)
        {
            var w = _weights.Layers[layer];
            var normed = F.layer_norm(hidden, [d], w.Norm1Weight, w.Norm1Bias, _config.LayerNormEpsilon);
            var qkv = w.AttentionBias.addmm(normed, w.AttentionWeight)
                .view(rows, newTokens, 3, _config.HeadCount, _config.HeadSize)
                .permute(2, 0, 3, 1, 4);
            var query = qkv[0];
            _keys[layer].narrow(2, start, newTokens).copy_(qkv[1]);
            _values[layer].narrow(2, start, newTokens).copy_(qkv[2]);

            // SDPA scales by 1/√head_size; GPT-2's other scalings go into the query.
            float scale = _config.ScaleAttentionByInverseLayerIndex ? baseScale / (layer + 1) : baseScale;
            if (scale != 1f)
            {
                query = query.mul(scale);
            }

            var attended = F.scaled_dot_product_attention(query, _keys[layer].narrow(2, 0, window), _values[layer].narrow(2, 0, window), mask, 0, causal)
                .permute(0, 2, 1, 3)
                .reshape(rows * newTokens, d);
            hidden = hidden.add_(w.AttentionProjectionBias.addmm(attended, w.AttentionProjectionWeight));

            normed = F.layer_norm(hidden, [d], w.Norm2Weight, w.Norm2Bias, _config.LayerNormEpsilon);
            var inner = Activate(w.MlpBias.addmm(normed, w.MlpWeight));
            hidden = hidden.add_(w.MlpProjectionBias.addmm(inner, w.MlpProjectionWeight));
        }

        Length = window;
        var selected = allPositions ? hidden : hidden.view(rows, newTokens, d).select(1, newTokens - 1);
        var final = F.layer_norm(selected, [d], _weights.FinalNormWeight, _weights.FinalNormBias, _config.LayerNormEpsilon);
        CopyOut(F.linear(final, _weights.OutputWeight), logits);
        if (!hiddenStates.IsEmpty)
        {
            CopyOut(final, hiddenStates);
        }
    }

    public void Reorder(ReadOnlySpan<int> sources)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ForwardArguments.ValidateReorder(Rows, sources);
        bool identity = true;
        for (int r = 0; r < sources.Length; r++)
        {
            identity &= sources[r] == r;
        }

        if (identity || Length == 0)
        {
            return;
        }

        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var index = tensor(sources.ToArray().Select(s => (long)s).ToArray(), [Rows], ScalarType.Int64, _device);
        foreach (var cache in _keys.Concat(_values))
        {
            var filled = cache.narrow(2, 0, Length);
            filled.copy_(filled.index_select(0, index));
        }

        _mask.AsSpan().CopyTo(_maskScratch);
        for (int r = 0; r < Rows; r++)
        {
            _maskScratch.AsSpan(sources[r] * Capacity, Length).CopyTo(_mask.AsSpan(r * Capacity));
        }
    }

    public void Truncate(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ForwardArguments.ValidateTruncate(Length, length);
        Length = length;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var cache in _keys.Concat(_values))
        {
            cache?.Dispose();
        }
    }

    private Tensor IdTensor(ReadOnlySpan<int> values, int rows, int columns)
    {
        long[] data = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            data[i] = values[i];
        }

        return tensor(data, [(long)rows * columns], ScalarType.Int64, _device);
    }

    // The attention pattern of the new positions over the window 0..start+T−1: causal, padding keys hidden, and each
    // position always sees itself, so that a padding query (all of whose earlier keys are padding) stays finite; its
    // output reaches no real position, since every later query hides it. Without padding, decoding needs no mask and a
    // fresh prompt uses SDPA's causal flag (which would be wrong with cached positions before it: it aligns top-left).
    private (Tensor? Mask, bool Causal) AttentionMask(int newTokens, int start)
    {
        int window = start + newTokens;
        bool padded = false;
        for (int r = 0; r < Rows && !padded; r++)
        {
            padded = _mask.AsSpan(r * Capacity, window).Contains(0);
        }

        if (!padded && newTokens == 1)
        {
            return (null, false);
        }

        if (!padded && start == 0)
        {
            return (null, true);
        }

        int size = Rows * newTokens * window;
        if (_allowed.Length != size)
        {
            _allowed = new bool[size];
        }

        for (int r = 0; r < Rows; r++)
        {
            var history = _mask.AsSpan(r * Capacity, window);
            for (int t = 0; t < newTokens; t++)
            {
                int query = start + t;
                var row = _allowed.AsSpan(((r * newTokens) + t) * window, window);
                for (int j = 0; j < window; j++)
                {
                    row[j] = j == query || (j < query && history[j] != 0);
                }
            }
        }

        var mask = tensor(_allowed, [Rows, 1, newTokens, window], ScalarType.Bool, _device);
        return (mask, false);
    }

    private Tensor Activate(Tensor x) => _config.Activation switch
    {
        Gpt2Activation.GeluNew => F.gelu(x, global::TorchSharp.Modules.GELU.Approximate.tanh),
        Gpt2Activation.Gelu => F.gelu(x),
        Gpt2Activation.Relu => F.relu(x),
        Gpt2Activation.Silu => F.silu(x),
        Gpt2Activation.QuickGelu => x.mul(x.mul(1.702f).sigmoid()),
        _ => throw new NotSupportedException($"activation {_config.Activation} is not supported."),
    };

    // Device tensor → fp32 on the CPU → the caller's span.
    private static void CopyOut(Tensor values, Span<float> destination)
    {
        var host = values.to(ScalarType.Float32, CPU).contiguous();
        MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(destination);
    }
}

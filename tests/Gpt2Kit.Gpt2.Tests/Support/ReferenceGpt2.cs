using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Gpt2Kit.Gpt2.Tests.Support;

/// <summary>A plain, unoptimized GPT-2 forward in double precision over an fp32 checkpoint written by
/// <see cref="Gpt2RandomCheckpoint"/>: one unpadded row, positions 0..n−1, all-position logits. An independent check of
/// the backend on shapes the fixtures do not cover (odd widths, many heads, other activations and scalings).</summary>
public sealed class ReferenceGpt2
{
    private readonly Gpt2Config _config;
    private readonly Dictionary<string, float[]> _tensors = [];

    public ReferenceGpt2(string folder)
    {
        _config = Gpt2Config.Load(folder);
        var (header, data) = CheckpointFiles.Read(Path.Combine(folder, "model.safetensors"));
        foreach (var (name, entry) in header)
        {
            if (name == "__metadata__")
            {
                continue;
            }

            entry!["dtype"]!.GetValue<string>().Should().Be("F32");
            var offsets = entry["data_offsets"]!.AsArray();
            int begin = (int)offsets[0]!, end = (int)offsets[1]!;
            _tensors[name] = MemoryMarshal.Cast<byte, float>(data.AsSpan(begin, end - begin)).ToArray();
        }
    }

    public double[][] Logits(int[] ids)
    {
        int n = ids.Length, d = _config.HiddenSize, heads = _config.HeadCount, hd = _config.HeadSize;
        var h = new double[n][];
        for (int t = 0; t < n; t++)
        {
            h[t] = Enumerable.Range(0, d).Select(i => (double)W("wte.weight")[(ids[t] * d) + i] + W("wpe.weight")[(t * d) + i]).ToArray();
        }

        for (int layer = 0; layer < _config.LayerCount; layer++)
        {
            string p = $"h.{layer}.";
            var qkv = h.Select(row => Linear(Norm(row, p + "ln_1"), p + "attn.c_attn", 3 * d)).ToArray();
            double scale = (_config.ScaleAttentionWeights ? 1 / Math.Sqrt(hd) : 1) / (_config.ScaleAttentionByInverseLayerIndex ? layer + 1 : 1);
            var attention = new double[n][];
            for (int t = 0; t < n; t++)
            {
                attention[t] = new double[d];
                for (int head = 0; head < heads; head++)
                {
                    var scores = Enumerable.Range(0, t + 1)
                        .Select(j => Enumerable.Range(0, hd).Sum(i => qkv[t][(head * hd) + i] * qkv[j][d + (head * hd) + i]) * scale).ToArray();
                    double max = scores.Max();
                    var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                    double sum = weights.Sum();
                    for (int j = 0; j <= t; j++)
                    {
                        for (int i = 0; i < hd; i++)
                        {
                            attention[t][(head * hd) + i] += weights[j] / sum * qkv[j][(2 * d) + (head * hd) + i];
                        }
                    }
                }
            }

            for (int t = 0; t < n; t++)
            {
                var projected = Linear(attention[t], p + "attn.c_proj", d);
                h[t] = h[t].Zip(projected, (a, b) => a + b).ToArray();
                var mlp = Linear(Norm(h[t], p + "ln_2"), p + "mlp.c_fc", _config.InnerSize).Select(Activate).ToArray();
                h[t] = h[t].Zip(Linear(mlp, p + "mlp.c_proj", d), (a, b) => a + b).ToArray();
            }
        }

        var output = _config.TieWordEmbeddings ? W("wte.weight") : W("lm_head.weight");
        return h.Select(row =>
        {
            var normed = Norm(row, "ln_f");
            return Enumerable.Range(0, _config.VocabSize).Select(v => Enumerable.Range(0, d).Sum(i => normed[i] * output[(v * d) + i])).ToArray();
        }).ToArray();
    }

    private float[] W(string name) => _tensors[name];

    private double[] Norm(double[] x, string name)
    {
        double mean = x.Average();
        double variance = x.Select(v => (v - mean) * (v - mean)).Average();
        return x.Select((v, i) => ((v - mean) / Math.Sqrt(variance + _config.LayerNormEpsilon) * W(name + ".weight")[i]) + W(name + ".bias")[i]).ToArray();
    }

    private double[] Linear(double[] x, string name, int columns)
    {
        var weight = W(name + ".weight");
        var bias = W(name + ".bias");
        var y = new double[columns];
        for (int c = 0; c < columns; c++)
        {
            double sum = bias[c];
            for (int k = 0; k < x.Length; k++)
            {
                sum += x[k] * weight[(k * columns) + c];
            }

            y[c] = sum;
        }

        return y;
    }

    private double Activate(double x) => _config.Activation switch
    {
        Gpt2Activation.GeluNew => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x)))),
        Gpt2Activation.Relu => Math.Max(x, 0),
        Gpt2Activation.Silu => x / (1 + Math.Exp(-x)),
        Gpt2Activation.QuickGelu => x / (1 + Math.Exp(-1.702 * x)),
        Gpt2Activation.Gelu => x * ReferenceMath.NormalCdf(x),
        _ => throw new ArgumentOutOfRangeException(nameof(x)),
    };
}

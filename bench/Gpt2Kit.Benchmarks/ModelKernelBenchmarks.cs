using BenchmarkDotNet.Attributes;
using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Benchmarks;

/// <summary>The decoding kernels alone, single-threaded, on GPT-2 124M sizes: one Conv1D layer (<c>c_fc</c>, 768 × 3072)
/// with the streaming and the tiled kernel, and the tied output layer (50257 × 768). Twelve distinct weights are cycled
/// so they come from memory, as in a real decoding step.</summary>
[MemoryDiagnoser]
public class ModelKernelBenchmarks
{
    private const int Inner = 768, Columns = 3072, Vocab = 50257, Layers = 12;
    private float[][] _weights = [];
    private float[] _bias = [], _input = [], _output = [], _embedding = [], _logits = [];
    private int _next;

    /// <summary>Input rows (batch).</summary>
    [Params(1, 8)]
    public int Rows { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _weights = Enumerable.Range(0, Layers).Select(_ => Enumerable.Range(0, Inner * Columns).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        _bias = new float[Columns];
        _input = Enumerable.Range(0, Rows * Inner).Select(_ => (float)random.NextDouble()).ToArray();
        _output = new float[Rows * Columns];
        _embedding = Enumerable.Range(0, Vocab * Inner).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _logits = new float[Rows * Vocab];
    }

    [Benchmark]
    public void Conv1DStreaming768x3072()
    {
        Conv1DStreaming.Compute(_input, Rows, WeightSpan.F32(NextWeight(), Inner, Columns), _bias, _output);
    }

    [Benchmark]
    public void Conv1DTiled768x3072()
    {
        Conv1DTiled.Compute(_input, Rows, WeightSpan.F32(NextWeight(), Inner, Columns), _bias, _output, 0, Columns);
    }

    [Benchmark]
    public void OutputLayer50257x768()
    {
        RowDotProducts.Compute(_input, Rows, WeightSpan.F32(_embedding, Vocab, Inner), _logits, 0, Vocab);
    }

    private float[] NextWeight() => _weights[_next++ % Layers];
}

using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>A LayerNorm or an activation over many rows (prefill), split over the team by rows. Decoding runs these
/// inline: a few rows cost less than a dispatch.</summary>
/// <remarks>Not thread-safe to configure; one instance per session.</remarks>
internal sealed unsafe class RowwiseWork : IParallelWork
{
    private float* _input, _output, _weight, _bias;
    private int _rows, _width;
    private float _epsilon;
    private Gpt2Activation? _activation;

    /// <summary>Sets a LayerNorm of <paramref name="rows"/> rows from <paramref name="input"/> into <paramref name="output"/>.</summary>
    public void SetLayerNorm(float* input, float* output, int rows, int width, float* weight, float* bias, float epsilon)
    {
        _input = input;
        _output = output;
        _rows = rows;
        _width = width;
        _weight = weight;
        _bias = bias;
        _epsilon = epsilon;
        _activation = null;
    }

    /// <summary>Sets an activation applied in place.</summary>
    public void SetActivation(float* values, int rows, int width, Gpt2Activation activation)
    {
        _input = values;
        _output = values;
        _rows = rows;
        _width = width;
        _activation = activation;
    }

    /// <summary>Runs rows <paramref name="first"/>..<paramref name="end"/> on the calling thread.</summary>
    public void RunRows(int first, int end)
    {
        if (first >= end)
        {
            return;
        }

        long offset = (long)first * _width;
        int count = (end - first) * _width;
        var output = new Span<float>(_output + offset, count);
        if (_activation is { } activation)
        {
            Activations.Apply(activation, output);
        }
        else
        {
            LayerNorm.Compute(new ReadOnlySpan<float>(_input + offset, count), end - first, _width,
                new ReadOnlySpan<float>(_weight, _width), new ReadOnlySpan<float>(_bias, _width), _epsilon, output);
        }
    }

    public void Execute(int worker, int workerCount) =>
        RunRows(_rows * worker / workerCount, _rows * (worker + 1) / workerCount);
}

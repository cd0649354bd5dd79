using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>One Conv1D layer (<c>y = x·W + b</c>) split over the team by output columns, so every worker streams its
/// own slab of the weight and the weight is read once per step.</summary>
/// <remarks>Not thread-safe to configure; one instance per session, reused for every layer.</remarks>
internal sealed unsafe class Conv1DWork : IParallelWork
{
    /// <summary>Up to this many rows take the streaming (decode) kernel; more take the tiled (prefill) kernel.</summary>
    public const int StreamingMaxRows = 8;

    private float* _input, _weight, _bias, _output;
    private int _rows, _inner, _columns;

    /// <summary>Sets the operands of the next run.</summary>
    public void Set(float* input, int rows, int inner, float* weight, int columns, float* bias, float* output)
    {
        _input = input;
        _rows = rows;
        _inner = inner;
        _weight = weight;
        _columns = columns;
        _bias = bias;
        _output = output;
    }

    public void Execute(int worker, int workerCount)
    {
        // Column ranges in whole 64-float tiles keep every worker on full SIMD tiles.
        int tiles = (_columns + 63) / 64;
        int start = Math.Min(_columns, tiles * worker / workerCount * 64);
        int end = Math.Min(_columns, tiles * (worker + 1) / workerCount * 64);
        if (start >= end)
        {
            return;
        }

        var input = new ReadOnlySpan<float>(_input, _rows * _inner);
        var weight = new ReadOnlySpan<float>(_weight, _inner * _columns);
        var bias = _bias is null ? default : new ReadOnlySpan<float>(_bias, _columns);
        var output = new Span<float>(_output, _rows * _columns);
        if (_rows <= StreamingMaxRows)
        {
            Conv1DStreaming.Compute(input, _rows, _inner, weight, _columns, bias, output, start, end);
        }
        else
        {
            Conv1DTiled.Compute(input, _rows, _inner, weight, _columns, bias, output, start, end);
        }
    }
}

using System.Numerics.Tensors;
using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>One Conv1D layer (<c>y = x·W + b</c>) on the team. Decoding (few rows) splits the weight's rows: each worker
/// streams one contiguous part of the weight into its own partial output, summed by <see cref="ReducePartials"/>.
/// Prefill (many rows) splits the output columns over the tiled kernel.</summary>
/// <remarks>Not thread-safe to configure; one instance per session, reused for every layer.</remarks>
internal sealed unsafe class Conv1DWork(float* partials, long partialFloatsPerWorker) : IParallelWork
{
    /// <summary>Up to this many rows take the streaming (decode) kernel; more take the tiled (prefill) kernel.</summary>
    public const int StreamingMaxRows = 8;

    private float* _input, _weight, _bias, _output;
    private int _rows, _inner, _columns, _workers;

    /// <summary>Floats of partial output each worker after the first needs for layers up to <paramref name="maxColumns"/> wide.</summary>
    public static long PartialFloats(int maxColumns) => (long)StreamingMaxRows * maxColumns;

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
        _workers = 1;
    }

    public void Execute(int worker, int workerCount)
    {
        var input = new ReadOnlySpan<float>(_input, _rows * _inner);
        var weight = new ReadOnlySpan<float>(_weight, _inner * _columns);
        var bias = _bias is null ? default : new ReadOnlySpan<float>(_bias, _columns);
        var output = new Span<float>(_output, _rows * _columns);
        if (_rows <= StreamingMaxRows)
        {
            // Weight rows in groups of 8, the kernel's unit; worker 0 adds the bias, the others write partial sums.
            _workers = workerCount;
            int groups = (_inner + 7) / 8;
            int start = Math.Min(_inner, groups * worker / workerCount * 8);
            int end = Math.Min(_inner, groups * (worker + 1) / workerCount * 8);
            if (worker == 0)
            {
                Conv1DStreaming.Compute(input, _rows, _inner, weight, _columns, bias, output, start, end, 0, _columns);
            }
            else
            {
                var partial = new Span<float>(partials + ((worker - 1) * partialFloatsPerWorker), _rows * _columns);
                Conv1DStreaming.Compute(input, _rows, _inner, weight, _columns, default, partial, start, end, 0, _columns);
            }

            return;
        }

        // Column ranges in whole 64-float tiles keep every worker on full SIMD tiles.
        int tiles = (_columns + 63) / 64;
        int first = Math.Min(_columns, tiles * worker / workerCount * 64);
        int last = Math.Min(_columns, tiles * (worker + 1) / workerCount * 64);
        if (first < last)
        {
            Conv1DTiled.Compute(input, _rows, _inner, weight, _columns, bias, output, first, last);
        }
    }

    /// <summary>Adds the other workers' partial sums into the output (after a decode run).</summary>
    public void ReducePartials()
    {
        if (_rows > StreamingMaxRows)
        {
            return;
        }

        var output = new Span<float>(_output, _rows * _columns);
        for (int worker = 1; worker < _workers; worker++)
        {
            TensorPrimitives.Add(output, new ReadOnlySpan<float>(partials + ((worker - 1) * partialFloatsPerWorker), _rows * _columns), output);
        }
    }
}

using System.Numerics.Tensors;
using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>One Conv1D layer (<c>y = x·W + b</c>) on the team. Decoding (few rows) splits the weight's rows into
/// <c>4 × workers</c> contiguous chunks, each streamed into its own partial output (the first chunk straight into the
/// output, with the bias) and summed in chunk order by <see cref="ReducePartials"/>, so the result does not depend on
/// which worker took which chunk. Prefill (many rows) splits the output columns over the tiled kernel. Workers take
/// chunks from a shared counter, so a worker the OS preempts does not hold back the others' share.</summary>
/// <remarks>Not thread-safe to configure; one instance per session, reused for every layer.</remarks>
/// <param name="partials">Scratch of <see cref="PartialFloats"/> floats.</param>
/// <param name="workers">The team's workers (the chunk count, and so the summation order, follows from it).</param>
/// <param name="width">The SIMD width of the kernels (Auto picks the widest).</param>
/// <param name="streamingRows">Up to this many rows take the streaming kernel; a batched decoding step raises it so that
/// every row is summed in the same order as when it is decoded alone.</param>
internal sealed unsafe class Conv1DWork(float* partials, int workers, SimdWidth width = SimdWidth.Auto, int streamingRows = Conv1DWork.StreamingMaxRows) : IParallelWork
{
    /// <summary>Up to this many rows take the streaming (decode) kernel; more take the tiled (prefill) kernel.</summary>
    public const int StreamingMaxRows = 8;

    private const int ColumnChunk = 128;

    private readonly int _chunks = ChunkCount(workers);
    private float* _input, _bias, _output;
    private WeightMatrix _weight;
    private int _rows, _inner, _columns;
    private int _next;

    /// <summary>Floats of partial outputs a session needs for layers up to <paramref name="maxColumns"/> wide.</summary>
    public static long PartialFloats(int workers, int maxColumns, int streamingRows = StreamingMaxRows) =>
        (ChunkCount(workers) - 1L) * streamingRows * maxColumns;

    /// <summary>Sets the operands of the next run.</summary>
    public void Set(float* input, int rows, WeightMatrix weight, float* bias, float* output)
    {
        _input = input;
        _rows = rows;
        _inner = weight.Rows;
        _weight = weight;
        _columns = weight.Columns;
        _bias = bias;
        _output = output;
        _next = 0;
    }

    public void Execute(int worker, int workerCount)
    {
        var input = new ReadOnlySpan<float>(_input, _rows * _inner);
        var weight = _weight.AsSpan();
        var bias = _bias is null ? default : new ReadOnlySpan<float>(_bias, _columns);
        var output = new Span<float>(_output, _rows * _columns);
        if (_rows <= streamingRows)
        {
            // Chunk boundaries on the kernel's 8-row groups.
            int groups = (_inner + 7) / 8;
            for (int chunk; (chunk = Interlocked.Increment(ref _next) - 1) < _chunks;)
            {
                int start = Math.Min(_inner, groups * chunk / _chunks * 8);
                int end = Math.Min(_inner, groups * (chunk + 1) / _chunks * 8);
                if (chunk == 0)
                {
                    Conv1DStreaming.Compute(input, _rows, weight, bias, output, start, end, 0, _columns, width);
                }
                else
                {
                    Conv1DStreaming.Compute(input, _rows, weight, default, Partial(chunk), start, end, 0, _columns, width);
                }
            }

            return;
        }

        for (int first; (first = (Interlocked.Increment(ref _next) - 1) * ColumnChunk) < _columns;)
        {
            Conv1DTiled.Compute(input, _rows, weight, bias, output, first, Math.Min(first + ColumnChunk, _columns), width);
        }
    }

    /// <summary>Adds the partial sums of chunks 1.. into the output, in chunk order (after a decode run).</summary>
    public void ReducePartials()
    {
        if (_rows > streamingRows)
        {
            return;
        }

        var output = new Span<float>(_output, _rows * _columns);
        for (int chunk = 1; chunk < _chunks; chunk++)
        {
            TensorPrimitives.Add(output, Partial(chunk), output);
        }
    }

    private static int ChunkCount(int workers) => workers == 1 ? 1 : 4 * workers;

    private Span<float> Partial(int chunk) => new(partials + ((chunk - 1L) * _rows * _columns), _rows * _columns);
}

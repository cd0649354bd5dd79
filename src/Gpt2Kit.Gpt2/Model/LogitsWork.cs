using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>The output layer (<c>logits = h·wteᵀ</c>) split over the team in blocks of vocabulary rows. The normalized hidden
/// rows come in segments, each written to its own place in the caller's logits (one segment per sequence when every
/// position is scored).</summary>
/// <remarks>Not thread-safe to configure; one instance per session.</remarks>
internal sealed unsafe class LogitsWork(int maxSegments, SimdWidth width = SimdWidth.Auto) : IParallelWork
{
    private const int VocabularyChunk = 1024;

    private readonly (int FirstRow, int Rows, nint Destination)[] _segments = new (int, int, nint)[maxSegments];
    private int _segmentCount;
    private float* _hidden;
    private WeightMatrix _weight;
    private int _width, _vocab;
    private int _next;

    /// <summary>Starts a run over <paramref name="hidden"/> (<c>[rows, width]</c>) and the weight <c>[vocab, width]</c>.</summary>
    public void Set(float* hidden, WeightMatrix weight)
    {
        _hidden = hidden;
        _width = weight.Columns;
        _weight = weight;
        _vocab = weight.Rows;
        _segmentCount = 0;
        _next = 0;
    }

    /// <summary>Adds hidden rows <paramref name="firstRow"/>.. whose logits go to <paramref name="destination"/> (<c>[rows, vocab]</c>).</summary>
    public void AddSegment(int firstRow, int rows, float* destination) => _segments[_segmentCount++] = (firstRow, rows, (nint)destination);

    public void Execute(int worker, int workerCount)
    {
        // Workers take blocks of vocabulary rows from a shared counter (contiguous runs of the weight).
        var weight = _weight.AsSpan();
        for (int start; (start = (Interlocked.Increment(ref _next) - 1) * VocabularyChunk) < _vocab;)
        {
            int end = Math.Min(start + VocabularyChunk, _vocab);
            for (int i = 0; i < _segmentCount; i++)
            {
                var (firstRow, rows, destination) = _segments[i];
                var hidden = new ReadOnlySpan<float>(_hidden + ((long)firstRow * _width), rows * _width);
                var output = new Span<float>((float*)destination, checked(rows * _vocab));
                RowDotProducts.Compute(hidden, rows, weight, output, start, end, width);
            }
        }
    }
}

using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Threading;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>The output layer (<c>logits = h·wteᵀ</c>) split over the team by vocabulary rows. The normalized hidden
/// rows come in segments, each written to its own place in the caller's logits (one segment per sequence when every
/// position is scored).</summary>
/// <remarks>Not thread-safe to configure; one instance per session.</remarks>
internal sealed unsafe class LogitsWork(int maxSegments) : IParallelWork
{
    private readonly (int FirstRow, int Rows, nint Destination)[] _segments = new (int, int, nint)[maxSegments];
    private int _segmentCount;
    private float* _hidden, _weight;
    private int _width, _vocab;

    /// <summary>Starts a run over <paramref name="hidden"/> (<c>[rows, width]</c>) and the weight <c>[vocab, width]</c>.</summary>
    public void Set(float* hidden, int width, float* weight, int vocab)
    {
        _hidden = hidden;
        _width = width;
        _weight = weight;
        _vocab = vocab;
        _segmentCount = 0;
    }

    /// <summary>Adds hidden rows <paramref name="firstRow"/>.. whose logits go to <paramref name="destination"/> (<c>[rows, vocab]</c>).</summary>
    public void AddSegment(int firstRow, int rows, float* destination) => _segments[_segmentCount++] = (firstRow, rows, (nint)destination);

    public void Execute(int worker, int workerCount)
    {
        int blocks = (_vocab + 63) / 64;
        int start = Math.Min(_vocab, blocks * worker / workerCount * 64);
        int end = Math.Min(_vocab, blocks * (worker + 1) / workerCount * 64);
        if (start >= end)
        {
            return;
        }

        var weight = new ReadOnlySpan<float>(_weight, checked(_vocab * _width));
        for (int i = 0; i < _segmentCount; i++)
        {
            var (firstRow, rows, destination) = _segments[i];
            var hidden = new ReadOnlySpan<float>(_hidden + ((long)firstRow * _width), rows * _width);
            var output = new Span<float>((float*)destination, checked(rows * _vocab));
            RowDotProducts.Compute(hidden, rows, _width, weight, _vocab, output, start, end);
        }
    }
}

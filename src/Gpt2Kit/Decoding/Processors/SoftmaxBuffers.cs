using System.Numerics.Tensors;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>The probabilities (and log-probabilities) of one row's scores, in buffers reused from step to step: what
/// the warpers that cut by probability mass compute first.</summary>
/// <remarks>One instance per processor; not thread-safe. A returned span stays valid until the next call.</remarks>
internal sealed class SoftmaxBuffers
{
    private float[] _probabilities = [];
    private float[] _logProbabilities = [];

    /// <summary><c>softmax(scores)</c> (<see cref="ScoreMath.Softmax"/>).</summary>
    public Span<float> Probabilities(ReadOnlySpan<float> scores)
    {
        var probabilities = Grow(ref _probabilities, scores.Length);
        ScoreMath.Softmax(scores, probabilities);
        return probabilities;
    }

    /// <summary><c>softmax(scores)</c> and <c>log_softmax(scores)</c> (<c>scores − logsumexp</c>).</summary>
    public Span<float> Probabilities(ReadOnlySpan<float> scores, out Span<float> logProbabilities)
    {
        var probabilities = Grow(ref _probabilities, scores.Length);
        var logSumExp = ScoreMath.Softmax(scores, probabilities);
        logProbabilities = Grow(ref _logProbabilities, scores.Length);
        TensorPrimitives.Subtract(scores, logSumExp, logProbabilities);
        return probabilities;
    }

    private static Span<float> Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }

        return buffer.AsSpan(0, length);
    }
}

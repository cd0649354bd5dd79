using Gpt2Kit.Gpt2.Kernels;

namespace Gpt2Kit.Gpt2.Tests.Kernels;

/// <summary>One query against cached keys and values, compared with Hugging Face's eager arithmetic written out in
/// fp32: hidden (future) keys replaced by finfo.min, then (1 − mask)·finfo.min added, then softmax.</summary>
public sealed class CausalAttentionTests
{
    public static TheoryData<string, int, int, int, string> Cases()
    {
        var data = new TheoryData<string, int, int, int, string>();
        foreach (var width in SimdWidths.Forced)
        {
            data.Add(width.ToString(), 64, 1, 1, "1");                  // the first token
            data.Add(width.ToString(), 64, 9, 12, "111111111111");      // no padding, three future keys in the window
            data.Add(width.ToString(), 17, 7, 7, "0011011");            // left padding and a hole; head size with a tail
            data.Add(width.ToString(), 8, 3, 6, "000111");              // a padding query: every visible key is padding
            data.Add(width.ToString(), 5, 2, 5, "00010");
            data.Add(width.ToString(), 48, 6, 8, "11011111");            // register strips of the output, then a remainder
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_eager_attention(string widthName, int headSize, int visible, int window, string maskText)
    {
        var width = Enum.Parse<SimdWidth>(widthName);
        int[] mask = maskText.Select(c => c - '0').ToArray();
        float[] q = KernelData.Random(headSize, 6, 2f), k = KernelData.Random(window * headSize, 7, 2f), v = KernelData.Random(window * headSize, 8);
        float scale = 1f / MathF.Sqrt(headSize);
        float[] output = new float[headSize];
        float[] scores = new float[window];
        CausalAttention.Compute(q, k, v, mask, visible, window, scale, scores, output, width);

        KernelData.MaxRelativeError(output, Eager(q, k, v, mask, visible, window, scale)).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void A_padding_query_averages_its_visible_keys_and_the_later_real_keys()
    {
        // Visible keys 0..1 are padding; key 2 is real but after the query; key 3 is padding after the query (−∞).
        float[] v = [1, 10, 100, 1000];
        float[] output = new float[1];
        CausalAttention.Compute([1f], [0.5f, -3f, 2f, 7f], v, [0, 0, 1, 0], visible: 2, window: 4, scale: 1f, new float[4], output);
        output[0].Should().BeApproximately((1 + 10 + 100) / 3f, 1e-5f);
    }

    [Fact]
    public void Large_scores_do_not_overflow()
    {
        float[] output = new float[1];
        CausalAttention.Compute([1f], [1000f, 1001f], [3f, 5f], [1, 1], visible: 2, window: 2, scale: 1f, new float[2], output);
        double p1 = 1 / (1 + Math.Exp(-1));
        output[0].Should().BeApproximately((float)((3 * (1 - p1)) + (5 * p1)), 1e-5f);
    }

    private static double[] Eager(float[] q, float[] k, float[] v, int[] mask, int visible, int window, float scale)
    {
        int headSize = q.Length;
        var weights = new float[window];
        for (int j = 0; j < window; j++)
        {
            float dot = 0;
            for (int i = 0; i < headSize; i++)
            {
                dot += q[i] * k[(j * headSize) + i];
            }

            float w = j < visible ? dot * scale : float.MinValue;
            weights[j] = w + ((1 - mask[j]) * float.MinValue);
        }

        double max = weights.Max();
        double[] p = weights.Select(w => Math.Exp(w - max)).ToArray();
        double sum = p.Sum();
        double[] output = new double[headSize];
        for (int j = 0; j < window; j++)
        {
            for (int i = 0; i < headSize; i++)
            {
                output[i] += p[j] / sum * v[(j * headSize) + i];
            }
        }

        return output;
    }
}

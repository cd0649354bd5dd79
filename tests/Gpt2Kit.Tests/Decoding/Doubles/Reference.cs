namespace Gpt2Kit.Tests.Decoding.Doubles;

/// <summary>Plain, slow reference arithmetic for the tests (double precision, no shortcuts).</summary>
internal static class Reference
{
    public static double[] LogSoftmax(float[] logits)
    {
        double max = logits.Where(v => !float.IsNegativeInfinity(v)).Max();
        double sum = logits.Sum(v => Math.Exp(v - max));
        return logits.Select(v => v - max - Math.Log(sum)).ToArray();
    }

    public static double[] Softmax(float[] logits) => LogSoftmax(logits).Select(Math.Exp).ToArray();

    public static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The history a fake model sees for an unpadded row: each token at its index.</summary>
    public static List<(int Token, int Position)> History(IEnumerable<int> tokens) => tokens.Select((t, i) => (t, i)).ToList();
}

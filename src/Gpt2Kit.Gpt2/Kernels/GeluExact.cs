namespace Gpt2Kit.Gpt2.Kernels;

/// <summary><c>gelu</c>, the exact (erf) form, in place: <c>x·Φ(x) = 0.5·x·erfc(−x/√2)</c>.</summary>
/// <remarks>Stateless; thread-safe. .NET has no erf, so erfc comes from the classic Chebyshev-fitted exponential form
/// (fractional error below 1.2e-7 everywhere), evaluated in double: well inside float precision, also far in the
/// negative tail where <c>1 + erf</c> would cancel. Few models use this activation, so a scalar loop is enough.</remarks>
internal static class GeluExact
{
    private const double InverseSqrt2 = 0.70710678118654752440;

    /// <summary>Applies the activation to every element of <paramref name="values"/>.</summary>
    public static void Apply(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double x = values[i];
            values[i] = (float)(0.5 * x * Erfc(-x * InverseSqrt2));
        }
    }

    /// <summary>The complementary error function.</summary>
    internal static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1 / (1 + (0.5 * z));
        double polynomial = -1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806
            + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        double tail = t * Math.Exp((-z * z) + polynomial);
        return x >= 0 ? tail : 2 - tail;
    }
}

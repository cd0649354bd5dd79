namespace Gpt2Kit.Gpt2.Tests.Support;

/// <summary>Slow, obviously right reference functions for kernel tests.</summary>
internal static class ReferenceMath
{
    /// <summary>Φ(x), the standard normal CDF, by composite Simpson integration of the density: for x ≤ 0 over [x − 12, x]
    /// (the mass below is under 1e-30), for x &gt; 0 as 1 − Φ(−x). Accurate to ~1e-12, independent of any erf formula.</summary>
    public static double NormalCdf(double x)
    {
        if (x > 0)
        {
            return 1 - NormalCdf(-x);
        }

        const int Steps = 20_000;
        double a = x - 12, h = (x - a) / Steps, sum = Density(a) + Density(x);
        for (int i = 1; i < Steps; i++)
        {
            sum += Density(a + (i * h)) * (i % 2 == 1 ? 4 : 2);
        }

        return sum * h / 3;

        static double Density(double t) => Math.Exp(-0.5 * t * t) / Math.Sqrt(2 * Math.PI);
    }
}

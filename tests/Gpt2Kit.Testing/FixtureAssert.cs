using FluentAssertions;

namespace Gpt2Kit.Testing;

/// <summary>Comparisons with the fixtures at the tolerance they state: scores and log-probabilities within 1e-4
/// absolute, −∞ equal only to −∞.</summary>
public static class FixtureAssert
{
    /// <summary>The tolerance of scores and log-probabilities.</summary>
    public const float Tolerance = 1e-4f;

    /// <summary>Whether two scores agree: within <see cref="Tolerance"/>, or both −∞.</summary>
    public static bool Close(float actual, float expected) =>
        Math.Abs(actual - expected) <= Tolerance || (float.IsNegativeInfinity(actual) && float.IsNegativeInfinity(expected));

    /// <summary>Asserts that <paramref name="actual"/> has the expected values, in order, each <see cref="Close"/>.</summary>
    public static void CloseValues(IEnumerable<float> actual, IEnumerable<float> expected, string because) =>
        actual.Should().Equal(expected, Close, because);

    /// <summary>Asserts that <paramref name="actual"/> has the expected rows, each <see cref="CloseValues"/>.</summary>
    public static void CloseRows(IReadOnlyList<float[]> actual, float[][] expected, string because)
    {
        actual.Should().HaveCount(expected.Length, because);
        for (int r = 0; r < expected.Length; r++)
        {
            CloseValues(actual[r], expected[r], $"{because} row {r}");
        }
    }
}

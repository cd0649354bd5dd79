using System.Globalization;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>An allowed interval for a number setting, shared by a factory's settings and the matching
/// <see cref="GenerationOptions"/> field so that both report the same range.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal readonly record struct NumberRange(double Min, double Max, bool MinExclusive = false, bool MaxExclusive = false)
{
    /// <summary>(0, ∞): temperature, repetition penalties.</summary>
    public static readonly NumberRange Positive = new(0, double.PositiveInfinity, MinExclusive: true);

    /// <summary>[0, 1]: top_p, min_p.</summary>
    public static readonly NumberRange UnitClosed = new(0, 1);

    /// <summary>[-2, 2]: OpenAI's frequency and presence penalties.</summary>
    public static readonly NumberRange OpenAiPenalty = new(-2, 2);

    /// <summary>(0, 1): typical_p, epsilon and eta cut-offs.</summary>
    public static readonly NumberRange UnitOpen = new(0, 1, MinExclusive: true, MaxExclusive: true);

    /// <summary>Whether <paramref name="value"/> lies in the interval.</summary>
    public bool Contains(double value) =>
        !double.IsNaN(value) && value >= Min && value <= Max && !(MinExclusive && value == Min) && !(MaxExclusive && value == Max);

    /// <summary>The interval as the errors write it, e.g. <c>a number in (0, 1]</c>.</summary>
    public string Describe() => $"a number in {(MinExclusive ? "(" : "[")}{Format(Min)}, {Format(Max)}{(MaxExclusive ? ")" : "]")}";

    /// <summary>Returns <paramref name="value"/>, or throws naming <paramref name="path"/> when it is outside the interval.</summary>
    public double Check(double value, string path) =>
        Contains(value) ? value : throw new GenerationConfigurationException(path, value.ToString(CultureInfo.InvariantCulture), Describe());

    /// <summary>Reads the setting <paramref name="key"/> within this interval.</summary>
    public double Read(ProcessorArguments arguments, string key, double? defaultValue = null) =>
        arguments.GetDouble(key, defaultValue, Min, Max, MinExclusive, MaxExclusive);

    private static string Format(double value) =>
        double.IsInfinity(value) ? (value > 0 ? "∞" : "-∞") : value.ToString(CultureInfo.InvariantCulture);
}

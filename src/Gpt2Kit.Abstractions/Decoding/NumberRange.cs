using System.Globalization;

namespace Gpt2Kit.Decoding;

/// <summary>The interval a numeric setting must lie in (open ends exclusive; integers when <see cref="Integer"/>), and the
/// one way every entry point words it: <c>an integer &gt;= 1</c>, <c>a number in (0, 1]</c>, <c>a token id in [0, 50256]</c>.</summary>
/// <param name="Min">Lower bound (−∞: none).</param>
/// <param name="Max">Upper bound (+∞: none).</param>
/// <param name="MinExclusive">Whether <paramref name="Min"/> itself is outside.</param>
/// <param name="MaxExclusive">Whether <paramref name="Max"/> itself is outside.</param>
/// <param name="Integer">Whether only whole numbers are allowed.</param>
/// <remarks>Immutable; thread-safe.</remarks>
public readonly record struct NumberRange(double Min, double Max, bool MinExclusive = false, bool MaxExclusive = false, bool Integer = false)
{
    /// <summary>Any finite number.</summary>
    public static NumberRange Any { get; } = new(double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>Any 32-bit integer.</summary>
    public static NumberRange AnyInteger { get; } = new(int.MinValue, int.MaxValue, Integer: true);

    /// <summary>Numbers &gt;= <paramref name="min"/>.</summary>
    public static NumberRange AtLeast(double min) => new(min, double.PositiveInfinity);

    /// <summary>Numbers &gt; <paramref name="min"/>.</summary>
    public static NumberRange Above(double min) => new(min, double.PositiveInfinity, MinExclusive: true);

    /// <summary>Numbers in <c>[min, max]</c>.</summary>
    public static NumberRange Between(double min, double max) => new(min, max);

    /// <summary>Integers in <c>[min, max]</c> (<paramref name="max"/> <see cref="int.MaxValue"/>: no upper bound is shown).</summary>
    public static NumberRange Integers(int min, int max = int.MaxValue) => new(min, max, Integer: true);

    /// <summary>Token ids of a vocabulary: <c>[0, vocabSize − 1]</c>.</summary>
    public static NumberRange TokenIds(int vocabSize) => new(0, vocabSize - 1, Integer: true);

    /// <summary>Whether <paramref name="value"/> lies in the interval (NaN and infinities never do).</summary>
    public bool Contains(double value) =>
        double.IsFinite(value)
        && (MinExclusive ? value > Min : value >= Min)
        && (MaxExclusive ? value < Max : value <= Max)
        && (!Integer || Math.Floor(value) == value);

    /// <summary>The interval as every error message words it.</summary>
    public string Describe()
    {
        var what = Integer ? "an integer" : "a number";
        var hasMin = !double.IsNegativeInfinity(Min) && !(Integer && Min <= int.MinValue);
        var hasMax = !double.IsPositiveInfinity(Max) && !(Integer && Max >= int.MaxValue);
        return (hasMin, hasMax) switch
        {
            (false, false) => Integer ? what : "a finite number",
            (true, false) => $"{what} {(MinExclusive ? ">" : ">=")} {Format(Min)}",
            (false, true) => $"{what} {(MaxExclusive ? "<" : "<=")} {Format(Max)}",
            _ => $"{what} in {(MinExclusive ? "(" : "[")}{Format(Min)}, {Format(Max)}{(MaxExclusive ? ")" : "]")}",
        };
    }

    /// <summary>Returns <paramref name="value"/>, or throws a <see cref="GenerationConfigurationException"/> naming
    /// <paramref name="path"/>, the value and <see cref="Describe"/>.</summary>
    public double Check(double value, string path) =>
        Contains(value) ? value : throw new GenerationConfigurationException(path, Format(value), Describe());

    /// <summary>Returns <paramref name="value"/>, or throws naming <paramref name="path"/>.</summary>
    public int Check(int value, string path) =>
        Contains(value) ? value : throw new GenerationConfigurationException(path, Format(value), Describe());

    /// <summary>A number as messages write it (invariant culture).</summary>
    public static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;

namespace Gpt2Kit.Configuration;

/// <summary>An interval a numeric setting must lie in; open ends are exclusive. Describes itself for error messages.</summary>
internal readonly record struct NumberRange(double Min, double Max, bool MinExclusive = false, bool MaxExclusive = false)
{
    /// <summary>Any finite number.</summary>
    public static NumberRange Any { get; } = new(double.NegativeInfinity, double.PositiveInfinity);

    public static NumberRange AtLeast(double min) => new(min, double.PositiveInfinity);

    public static NumberRange Above(double min) => new(min, double.PositiveInfinity, MinExclusive: true);

    public static NumberRange Between(double min, double max) => new(min, max);

    public bool Contains(double value) =>
        double.IsFinite(value)
        && (MinExclusive ? value > Min : value >= Min)
        && (MaxExclusive ? value < Max : value <= Max);

    /// <summary>"an integer &gt;= 0", "a number in (0, 1]".</summary>
    public string Describe(bool integer)
    {
        var what = integer ? "an integer" : "a number";
        var hasMin = !double.IsNegativeInfinity(Min);
        var hasMax = !double.IsPositiveInfinity(Max);
        return (hasMin, hasMax) switch
        {
            (false, false) => integer ? what : $"a finite {what[2..]}",
            (true, false) => $"{what} {(MinExclusive ? ">" : ">=")} {Format(Min)}",
            (false, true) => $"{what} {(MaxExclusive ? "<" : "<=")} {Format(Max)}",
            _ => $"{what} in {(MinExclusive ? "(" : "[")}{Format(Min)}, {Format(Max)}{(MaxExclusive ? ")" : "]")}",
        };
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;

namespace Gpt2Kit.Decoding.Processors;

/// <summary>An allowed interval for an integer setting.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal readonly record struct IntegerRange(int Min, int Max = int.MaxValue)
{
    /// <summary>Token ids of a vocabulary: <c>[0, vocabSize)</c>.</summary>
    public static IntegerRange TokenIds(int vocabSize) => new(0, vocabSize - 1);

    /// <summary>The interval as the errors write it, e.g. <c>an integer &gt;= 1</c>.</summary>
    public string Describe() => Max == int.MaxValue ? $"an integer >= {Min}" : $"an integer in [{Min}, {Max}]";

    /// <summary>Returns <paramref name="value"/>, or throws naming <paramref name="path"/> when it is outside the interval.</summary>
    public int Check(int value, string path) =>
        value >= Min && value <= Max ? value : throw new GenerationConfigurationException(path, value.ToString(CultureInfo.InvariantCulture), Describe());

    /// <summary>Reads the setting <paramref name="key"/> within this interval.</summary>
    public int Read(ProcessorArguments arguments, string key, int? defaultValue = null) => arguments.GetInt32(key, defaultValue, Min, Max);
}

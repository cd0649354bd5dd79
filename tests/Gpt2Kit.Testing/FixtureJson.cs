using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gpt2Kit.Testing;

/// <summary>Reads the fixture JSON files (floats may be written as <c>"-Infinity"</c>).</summary>
public static class FixtureJson
{
    /// <summary>Options that accept the named floating-point literals the fixtures use.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNameCaseInsensitive = true,
    };

    /// <summary>Parses a fixture file into a document.</summary>
    public static JsonDocument Load(string fileName) => JsonDocument.Parse(File.ReadAllBytes(FixturePaths.Get(fileName)));

    /// <summary>Deserializes a fixture file.</summary>
    public static T Read<T>(string fileName) => JsonSerializer.Deserialize<T>(File.ReadAllBytes(FixturePaths.Get(fileName)), Options)
        ?? throw new InvalidDataException($"{fileName} is empty.");

    /// <summary>Reads a float that may be the string "-Infinity".</summary>
    public static float ReadFloat(JsonElement element) => element.ValueKind == JsonValueKind.String
        ? float.Parse(element.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
        : element.GetSingle();

    /// <summary>A JSON array of integers.</summary>
    public static int[] Ints(JsonElement element) => element.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>A JSON array of integer arrays (rows of ids).</summary>
    public static int[][] IntRows(JsonElement element) => element.EnumerateArray().Select(Ints).ToArray();

    /// <summary>A JSON array of floats (some may be "-Infinity").</summary>
    public static float[] Floats(JsonElement element) => element.EnumerateArray().Select(ReadFloat).ToArray();

    /// <summary>A JSON array of float arrays (rows of scores).</summary>
    public static float[][] FloatRows(JsonElement element) => element.EnumerateArray().Select(Floats).ToArray();

    /// <summary>A JSON array of strings.</summary>
    public static string[] Strings(JsonElement element) => element.EnumerateArray().Select(e => e.GetString()!).ToArray();
}

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>The one JSON style of the CLI: compact, one object per line, -Infinity written as a string.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes <paramref name="value"/> as one line of JSON.</summary>
    public static void Write(TextWriter output, object value)
    {
        output.WriteLine(JsonSerializer.Serialize(value, Options));
        output.Flush();
    }

    /// <summary>Parses an id list such as <c>[464,2068]</c>; the message names the option on failure.</summary>
    public static int[] ParseIds(string text, string optionName)
    {
        try
        {
            return JsonSerializer.Deserialize<int[]>(text) ?? throw new CliException($"{optionName}: expected a JSON array of integers, got null.");
        }
        catch (JsonException e)
        {
            throw new CliException($"{optionName}: expected a JSON array of integers such as [464,2068] ({e.Message}).");
        }
    }

    /// <summary>Parses a list of id lists such as <c>[[464,2068],[40]]</c> (a flat list is one row).</summary>
    public static int[][] ParseIdRows(string text, string optionName)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Array || doc.RootElement.GetArrayLength() == 0)
            {
                throw new CliException($"{optionName}: expected a non-empty JSON array such as [[464,2068],[40]].");
            }

            return doc.RootElement[0].ValueKind == JsonValueKind.Array
                ? doc.RootElement.EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray()
                : [doc.RootElement.EnumerateArray().Select(e => e.GetInt32()).ToArray()];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new CliException($"{optionName}: expected a JSON array of integer arrays such as [[464,2068],[40]] ({e.Message}).");
        }
    }
}

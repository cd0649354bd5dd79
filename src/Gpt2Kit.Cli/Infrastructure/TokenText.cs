using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>How the human-readable output shows one token: its text as a quoted JSON string (spaces, newlines and control
/// characters visible), or its bytes in hex when they are only part of a UTF-8 character.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class TokenText
{
    /// <summary>Describes the bytes of one token, e.g. <c>" fox"</c>, <c>"\n"</c> or <c>&lt;0xE2 0x80&gt;</c>.</summary>
    public static string Describe(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return Quote(Encoding.UTF8.GetString(bytes));
        }

        var hex = new StringBuilder("<");
        foreach (byte b in bytes)
        {
            hex.Append(hex.Length > 1 ? " " : "").Append($"0x{b:X2}");
        }

        return hex.Append('>').ToString();
    }

    /// <summary>A text as a quoted JSON string, the escaping of the JSON output.</summary>
    public static string Quote(string text) => JsonSerializer.Serialize(text, CliJson.Options);
}

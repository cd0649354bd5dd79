using System.Text.Json.Nodes;

namespace Gpt2Kit.Server.OpenAi;

/// <summary>A request error in OpenAI's shape: an HTTP status and <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
internal sealed class OpenAiException(int status, string message, string? param = null, string? code = null, string type = "invalid_request_error")
    : Exception(message)
{
    public int Status { get; } = status;

    public string? Param { get; } = param;

    public string? Code { get; } = code;

    public string Type { get; } = type;

    /// <summary>The response body.</summary>
    public JsonObject ToJson() => Body(Message, Type, Param, Code);

    /// <summary>400 for a parameter: names it, the value given and what is allowed.</summary>
    public static OpenAiException Invalid(string param, JsonNode? value, string allowed) =>
        new(400, $"{param}: '{Describe(value)}' is not allowed; expected {allowed}.", param, "invalid_value");

    /// <summary>An error body.</summary>
    public static JsonObject Body(string message, string type, string? param, string? code) => new()
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code },
    };

    private static string Describe(JsonNode? value)
    {
        var text = value?.ToJsonString() ?? "null";
        return text.Length > 80 ? text[..80] + "…" : text;
    }
}

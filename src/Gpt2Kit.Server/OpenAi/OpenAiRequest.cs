using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Extensions.AI;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Server.OpenAi;

/// <summary>An OpenAI completions or chat request turned into a Gpt2Kit <see cref="GenerationRequest"/>, with what the
/// response needs to know.</summary>
/// <remarks>
/// <para>OpenAI's parameters map onto Hugging Face generation settings: <c>max_tokens</c> / <c>max_completion_tokens</c> →
/// <c>max_new_tokens</c>; <c>temperature</c> → <c>do_sample</c> and <c>temperature</c> (0 means greedy; sampling is on by
/// default, as in OpenAI's API, without Hugging Face's top-k 50 unless <c>top_k</c> is given); <c>n</c> →
/// <c>num_return_sequences</c>; <c>stop</c> → <c>stop_strings</c>; <c>logprobs</c> / <c>top_logprobs</c> →
/// <c>top_alternatives</c>; <c>top_p</c>, <c>seed</c>, <c>presence_penalty</c>, <c>frequency_penalty</c> and
/// <c>logit_bias</c> keep their names. Any other field is read as a Hugging Face GenerationConfig setting (<c>top_k</c>,
/// <c>repetition_penalty</c>, <c>num_beams</c>, …) and <c>processors</c> as an explicit processor chain, all validated by
/// the library, so the error names the field, the value and the allowed range.</para>
/// <para>Immutable; thread-safe.</para>
/// </remarks>
internal sealed record OpenAiRequest
{
    /// <summary>Fields OpenAI clients may send that change nothing here.</summary>
    private static readonly HashSet<string> Ignored = ["user", "store", "metadata", "service_tier", "parallel_tool_calls", "stream_options", "modalities", "prediction"];

    /// <summary>The Hugging Face setting each OpenAI parameter becomes, for naming the parameter in errors.</summary>
    private static readonly Dictionary<string, string> OpenAiNameOf = new(StringComparer.Ordinal)
    {
        ["max_new_tokens"] = "max_tokens",
        ["num_return_sequences"] = "n",
        ["stop_strings"] = "stop",
        ["top_alternatives"] = "logprobs",
    };

    public required GenerationRequest Generation { get; init; }

    public required bool Chat { get; init; }

    public required bool Stream { get; init; }

    public required bool IncludeUsage { get; init; }

    public required bool Echo { get; init; }

    /// <summary>Whether token log-probabilities are returned.</summary>
    public required bool Logprobs { get; init; }

    /// <summary>How many alternatives each log-probability entry lists.</summary>
    public required int LogprobCount { get; init; }

    /// <summary><c>max_tokens</c> 0 with <c>echo</c>: the prompt is scored and nothing is generated.</summary>
    public required bool ScoreOnly { get; init; }

    public required IReadOnlyList<string> PromptTexts { get; init; }

    /// <summary>The prompts' token ids, one array per prompt.</summary>
    public required IReadOnlyList<int[]> PromptIds { get; init; }

    public required int PromptTokens { get; init; }

    /// <summary>Reads a request body.</summary>
    /// <param name="body">The JSON body.</param>
    /// <param name="chat">Whether it is a chat request (<c>messages</c>) or a completion (<c>prompt</c>).</param>
    /// <param name="served">The model's name as served.</param>
    /// <param name="defaults">The generator's defaults (with the model's generation_config.json).</param>
    /// <param name="tokenizer">For counting prompt tokens.</param>
    /// <param name="defaultMaxTokens">max_new_tokens when the request gives no limit.</param>
    /// <exception cref="OpenAiException">400 for a bad field, 404 for another model.</exception>
    public static OpenAiRequest Read(JsonNode? body, bool chat, string served, GenerationOptions defaults, ITokenizer tokenizer, int defaultMaxTokens)
    {
        if (body is not JsonObject fields)
        {
            throw new OpenAiException(400, "The request body must be a JSON object.");
        }

        var model = Text(fields, "model", required: true)!;
        if (!string.Equals(model, served, StringComparison.Ordinal))
        {
            throw new OpenAiException(404, $"The model '{model}' does not exist; this server serves '{served}'.", "model", "model_not_found");
        }

        var hf = new JsonObject();
        JsonNode? processors = null;
        bool? stream = null, echo = null, logprobsFlag = null;
        int? completionLogprobs = null, topLogprobs = null, maxTokens = null;
        IReadOnlyList<string> prompts;
        IReadOnlyList<int[]>? ids = null;
        if (chat)
        {
            prompts = [ChatPrompt(fields)];
        }
        else
        {
            (prompts, ids) = Prompts(fields, tokenizer);
        }

        foreach (var (key, value) in fields)
        {
            switch (key)
            {
                case "model" or "messages" or "prompt":
                    break;
                case "stream":
                    stream = Flag(key, value);
                    break;
                case "echo" when !chat:
                    echo = Flag(key, value);
                    break;
                case "logprobs" when chat:
                    logprobsFlag = Flag(key, value);
                    break;
                case "logprobs":
                    completionLogprobs = Count(key, value, 0, 20);
                    break;
                case "top_logprobs" when chat:
                    topLogprobs = Count(key, value, 0, 20);
                    break;
                case "max_tokens" or "max_completion_tokens":
                    if (value is not null)
                    {
                        // 0 only scores the prompt (with echo, as evaluation harnesses ask); checked once echo is known.
                        maxTokens = Count(key, value, 0, int.MaxValue);
                    }

                    break;
                case "n":
                    hf["num_return_sequences"] = value?.DeepClone();
                    break;
                case "stop":
                    hf["stop_strings"] = Stops(value);
                    break;
                case "temperature":
                    if (value is not null)
                    {
                        double t = Number(key, value);
                        hf["do_sample"] ??= t != 0;
                        if (t != 0)
                        {
                            hf["temperature"] = t;
                        }
                    }

                    break;
                case "processors":
                    processors = value;
                    break;
                case "suffix" or "best_of" or "tools" or "functions" or "tool_choice" or "function_call" or "response_format" or "audio":
                    Unsupported(key, value);
                    break;
                default:
                    if (!Ignored.Contains(key))
                    {
                        // OpenAI's own names that the library shares (top_p, seed, penalties, logit_bias) and every Hugging Face setting.
                        hf[key] = value?.DeepClone();
                    }

                    break;
            }
        }

        if (fields["stream_options"] is JsonObject streamOptions && stream != true)
        {
            throw new OpenAiException(400, "stream_options: only allowed when stream is true.", "stream_options", "invalid_value");
        }

        bool scoreOnly = maxTokens == 0;
        if (scoreOnly && echo != true)
        {
            throw new OpenAiException(400, "max_tokens: 0 is allowed only with echo on a completion (the prompt is scored, nothing is generated); expected 1 or more.",
                "max_tokens", "invalid_value");
        }

        if (maxTokens is not null)
        {
            // A score-only request still carries a valid limit, so its other settings are validated as usual.
            hf["max_new_tokens"] = Math.Max(1, maxTokens.Value);
        }

        bool includeUsage = fields["stream_options"] is JsonObject so && so["include_usage"] is { } usage && Flag("stream_options.include_usage", usage);
        if (topLogprobs is not null && logprobsFlag != true)
        {
            throw new OpenAiException(400, "top_logprobs: logprobs must be true when top_logprobs is given.", "top_logprobs", "invalid_value");
        }

        int? alternatives = chat ? (logprobsFlag == true ? topLogprobs ?? 0 : null) : completionLogprobs;
        if (alternatives is { } top)
        {
            hf["top_alternatives"] = top;
        }

        if (chat)
        {
            // The reply ends where the model starts the user's next turn (the transcript format's stop sequences).
            var stops = hf["stop_strings"] as JsonArray ?? [];
            foreach (var stop in ChatPromptFormat.Default.StopSequences)
            {
                stops.Add(stop);
            }

            hf["stop_strings"] = stops;
        }

        hf["do_sample"] ??= true;
        if (!fields.ContainsKey("top_k"))
        {
            // OpenAI samples from the whole distribution (after top_p); Hugging Face's do_sample would add top-k 50.
            hf["top_k"] = null;
        }

        if (!fields.ContainsKey("max_new_tokens") && !fields.ContainsKey("max_length") && !hf.ContainsKey("max_new_tokens"))
        {
            hf["max_new_tokens"] = defaultMaxTokens;
        }

        var options = Options(hf, defaults, chat);
        if (processors is not null)
        {
            options.Processors = Processors(processors);
        }

        IReadOnlyList<int[]> promptIds = ids ?? [.. prompts.Select(p => tokenizer.Encode(p))];
        var generation = ids is null ? new GenerationRequest { Prompts = prompts, Options = options } : GenerationRequest.FromIds(ids, options);
        return new OpenAiRequest
        {
            Generation = generation,
            Chat = chat,
            Stream = stream == true,
            IncludeUsage = includeUsage,
            Echo = echo == true,
            ScoreOnly = scoreOnly,
            Logprobs = alternatives is not null,
            LogprobCount = alternatives ?? 0,
            PromptTexts = prompts,
            PromptIds = promptIds,
            PromptTokens = promptIds.Sum(i => i.Length),
        };
    }

    /// <summary>A library validation error as a 400 that names the OpenAI parameter when one was mapped.</summary>
    public static OpenAiException FromLibrary(GenerationConfigurationException error, bool chat)
    {
        string path = error.SettingPath;
        string key = path.Split(':')[0];
        if (OpenAiNameOf.TryGetValue(key, out var openAi))
        {
            openAi = openAi == "logprobs" && chat ? "top_logprobs" : openAi;
            string message = error.Message.StartsWith(path + ":", StringComparison.Ordinal)
                ? $"{openAi} ({path}){error.Message[path.Length..]}"
                : error.Message;
            return new OpenAiException(400, message, openAi, "invalid_value");
        }

        return new OpenAiException(400, error.Message, path, "invalid_value");
    }

    private static GenerationOptions Options(JsonObject hf, GenerationOptions defaults, bool chat)
    {
        try
        {
            return GenerationConfiguration.FromJson(hf.ToJsonString(), defaults);
        }
        catch (GenerationConfigurationException e)
        {
            throw FromLibrary(e, chat);
        }
    }

    private static IList<ProcessorSpec> Processors(JsonNode processors)
    {
        var json = new JsonObject { ["processors"] = processors.DeepClone() }.ToJsonString();
        try
        {
            var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
            return GenerationConfiguration.ReadProcessors(configuration.GetSection("processors"));
        }
        catch (GenerationConfigurationException e)
        {
            throw new OpenAiException(400, e.Message, e.SettingPath, "invalid_value");
        }
        catch (FormatException e)
        {
            throw new OpenAiException(400, $"processors: {e.Message}", "processors", "invalid_value");
        }
    }

    private static string ChatPrompt(JsonObject fields)
    {
        if (fields["messages"] is not JsonArray { Count: > 0 } messages)
        {
            throw OpenAiException.Invalid("messages", fields["messages"], "a non-empty list of messages");
        }

        var conversation = new List<ChatMessage>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            string where = $"messages[{i}]";
            if (messages[i] is not JsonObject message)
            {
                throw OpenAiException.Invalid(where, messages[i], "an object with role and content");
            }

            string role = Text(message, "role", required: true, where + ".role")!;
            if (role is not ("system" or "developer" or "user" or "assistant" or "tool"))
            {
                throw OpenAiException.Invalid(where + ".role", message["role"], "system, developer, user, assistant or tool");
            }

            conversation.Add(new ChatMessage(role == "developer" ? ChatRole.System : new ChatRole(role), Content(message["content"], where + ".content")));
        }

        return ChatPromptFormat.Default.Format(conversation);
    }

    // A string, or a list of text parts.
    private static string Content(JsonNode? content, string where)
    {
        switch (content)
        {
            case null:
                return "";
            case JsonValue value when value.TryGetValue(out string? text):
                return text;
            case JsonArray parts:
                var joined = new StringBuilder();
                for (int i = 0; i < parts.Count; i++)
                {
                    if (parts[i] is not JsonObject part || part["type"]?.GetValueKind() != JsonValueKind.String || (string)part["type"]! != "text"
                        || part["text"] is not JsonValue partText || !partText.TryGetValue(out string? piece))
                    {
                        throw OpenAiException.Invalid($"{where}[{i}]", parts[i], "a text part ({\"type\": \"text\", \"text\": \"…\"}); GPT-2 reads text only");
                    }

                    joined.Append(piece);
                }

                return joined.ToString();
            default:
                throw OpenAiException.Invalid(where, content, "a string or a list of text parts");
        }
    }

    private static (IReadOnlyList<string> Texts, IReadOnlyList<int[]>? Ids) Prompts(JsonObject fields, ITokenizer tokenizer)
    {
        const string Allowed = "a string, a list of strings, a list of token ids or a list of such lists";
        var prompt = fields["prompt"];
        if (prompt is JsonValue single && single.TryGetValue(out string? text))
        {
            return ([text], null);
        }

        if (prompt is not JsonArray { Count: > 0 } list)
        {
            throw OpenAiException.Invalid("prompt", prompt, Allowed);
        }

        if (list.All(p => p is JsonValue v && v.GetValueKind() == JsonValueKind.String))
        {
            return (list.Select(p => (string)p!).ToList(), null);
        }

        int[] Ids(JsonArray array, string where) => array.Select((p, i) =>
            p is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int id) ? id : throw OpenAiException.Invalid($"{where}[{i}]", p, "a token id")).ToArray();

        int[][] ids = list.All(p => p is JsonArray)
            ? list.Select((p, i) => Ids((JsonArray)p!, $"prompt[{i}]")).ToArray()
            : [Ids(list, "prompt")];
        return (ids.Select(row => tokenizer.Decode(row)).ToList(), ids);
    }

    private static JsonNode? Stops(JsonNode? value)
    {
        const string Allowed = "a string or a list of up to 4 strings";
        return value switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => new JsonArray(v.DeepClone()),
            JsonArray list when list.Count <= 4 && list.All(s => s?.GetValueKind() == JsonValueKind.String) => list.DeepClone(),
            _ => throw OpenAiException.Invalid("stop", value, Allowed),
        };
    }

    private static void Unsupported(string key, JsonNode? value)
    {
        bool off = value is null
            || (key == "best_of" && value.GetValueKind() == JsonValueKind.Number && (int)value == 1)
            || (key == "response_format" && value is JsonObject format && (string?)format["type"] == "text")
            || (key == "tool_choice" && value.GetValueKind() == JsonValueKind.String && (string?)value == "none")
            || (value is JsonArray { Count: 0 });
        if (!off)
        {
            throw new OpenAiException(400, $"{key}: not supported by this server (GPT-2 continues text; it cannot call tools, promise JSON or rank best_of candidates).", key, "unsupported_parameter");
        }
    }

    private static string? Text(JsonObject fields, string key, bool required, string? where = null)
    {
        var value = fields[key];
        if (value is JsonValue v && v.TryGetValue(out string? text))
        {
            return text;
        }

        if (value is null && !required)
        {
            return null;
        }

        throw OpenAiException.Invalid(where ?? key, value, "a string");
    }

    private static bool Flag(string key, JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False or null => false,
        _ => throw OpenAiException.Invalid(key, value, "true or false"),
    };

    private static double Number(string key, JsonNode value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : throw OpenAiException.Invalid(key, value, "a number");

    private static int Count(string key, JsonNode? value, int min, int max)
    {
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int n) && n >= min && n <= max)
        {
            return n;
        }

        throw OpenAiException.Invalid(key, value, max == int.MaxValue ? $"an integer >= {min}" : $"an integer in {min}..{max}");
    }
}

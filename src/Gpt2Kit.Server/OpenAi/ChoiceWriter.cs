using System.Text;
using System.Text.Json.Nodes;
using Gpt2Kit.Decoding;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Server.OpenAi;

/// <summary>Turns a request's <see cref="GenerationUpdate"/>s into OpenAI's choices: streamed chunks as they come, or the
/// whole response at the end, with text, finish reasons, log-probabilities and usage.</summary>
/// <remarks>Belongs to one response; not thread-safe.</remarks>
internal sealed class ChoiceWriter(OpenAiRequest request, ITokenizer tokenizer, string model)
{
    private readonly string _id = (request.Chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly Dictionary<int, Choice> _choices = [];
    private IReadOnlyList<JsonObject>[]? _promptLogprobs;

    /// <summary>Generated tokens over every choice.</summary>
    public int CompletionTokens => _choices.Values.Sum(c => c.Tokens);

    /// <summary>With <c>echo</c> and <c>logprobs</c>: the prompts' tokens, each with its log-probability after the tokens
    /// before it and the most likely alternatives there (the first token has neither, as in OpenAI's API). They lead
    /// each choice's log-probabilities.</summary>
    public void SetPromptScores(IReadOnlyList<ScoreResult> scores)
    {
        _promptLogprobs = new IReadOnlyList<JsonObject>[scores.Count];
        for (int p = 0; p < scores.Count; p++)
        {
            int[] ids = request.PromptIds[p];
            var entries = new List<JsonObject>(ids.Length);
            for (int i = 0; i < ids.Length; i++)
            {
                var entry = Choice.Entry(tokenizer.Decode([ids[i]]), null);
                entry["top_logprobs"] = i == 0 ? null : new JsonArray([.. (scores[p].Alternatives?[i - 1] ?? [])
                    .Select(a => (JsonNode)Choice.Entry(tokenizer.Decode([a.TokenId]), a.Logprob))]);
                if (i > 0)
                {
                    entry["logprob"] = Choice.Logprob(scores[p].TokenLogprobs[i - 1]);
                }

                entries.Add(entry);
            }

            _promptLogprobs[p] = entries;
        }
    }

    /// <summary>A score-only request's choices: each the prompt itself, with its log-probabilities, nothing generated.</summary>
    public IEnumerable<JsonObject> EchoOnly()
    {
        int n = Math.Max(1, request.Generation.Options?.NumReturnSequences ?? 1);
        for (int row = 0; row < request.PromptTexts.Count * n; row++)
        {
            if (Add(new GenerationUpdate { Row = row, Step = 0, Text = string.Empty, TokenId = -1, FinishReason = FinishReason.Length }) is { } chunk)
            {
                yield return chunk;
            }
        }
    }

    /// <summary>Takes one update; returns the stream chunk to send for it, or null when there is nothing to send yet.</summary>
    public JsonObject? Add(GenerationUpdate update)
    {
        if (!_choices.TryGetValue(update.Row, out var choice))
        {
            choice = new Choice(update.Row);
            _choices.Add(update.Row, choice);
        }

        string text = update.Text;
        if (request.Chat && !choice.Started)
        {
            // The prompt ends with "Assistant:" and GPT-2's tokens carry their leading space: the reply starts after it.
            text = text.TrimStart();
        }

        if (!request.Chat && request.Echo && !choice.Started)
        {
            text = Prompt(update.Row) + text;
        }

        choice.Started |= text.Length > 0;
        List<JsonObject>? logprobs = null;
        if (!request.Chat && request.Echo && _promptLogprobs is not null && !choice.PromptScored)
        {
            choice.PromptScored = true;
            foreach (var entry in _promptLogprobs[PromptIndex(update.Row)])
            {
                choice.Logprobs.Add(entry);
                (logprobs ??= []).Add((JsonObject)entry.DeepClone());
            }
        }

        if (update.TokenId >= 0)
        {
            choice.Tokens++;
            if (request.Logprobs)
            {
                (logprobs ??= []).Add(choice.AddLogprob(update, tokenizer));
            }
        }

        choice.Text.Append(text);
        string? finish = update.FinishReason == FinishReason.None ? null : FinishName(update.FinishReason);
        choice.Finish ??= finish;
        if (text.Length == 0 && logprobs is null && finish is null && (choice.RoleSent || !request.Chat))
        {
            return null;
        }

        var chunkChoice = new JsonObject { ["index"] = update.Row };
        if (request.Chat)
        {
            var delta = new JsonObject();
            if (!choice.RoleSent)
            {
                delta["role"] = "assistant";
                choice.RoleSent = true;
            }

            delta["content"] = text;
            chunkChoice["delta"] = delta;
            chunkChoice["logprobs"] = logprobs is null ? null : new JsonObject { ["content"] = new JsonArray([.. logprobs]) };
        }
        else
        {
            chunkChoice["text"] = text;
            chunkChoice["logprobs"] = logprobs is null ? null : Completion(logprobs);
        }

        chunkChoice["finish_reason"] = finish;
        return Envelope(new JsonArray(chunkChoice), chunk: true);
    }

    /// <summary>The last stream chunk: no choices, the usage.</summary>
    public JsonObject UsageChunk()
    {
        var chunk = Envelope([], chunk: true);
        chunk["usage"] = Usage();
        return chunk;
    }

    /// <summary>The whole (non-streamed) response.</summary>
    public JsonObject Response()
    {
        var choices = new JsonArray();
        foreach (var choice in _choices.Values.OrderBy(c => c.Index))
        {
            var item = new JsonObject { ["index"] = choice.Index };
            if (request.Chat)
            {
                item["message"] = new JsonObject { ["role"] = "assistant", ["content"] = choice.Text.ToString() };
                item["logprobs"] = request.Logprobs ? new JsonObject { ["content"] = new JsonArray([.. choice.Logprobs]) } : null;
            }
            else
            {
                item["text"] = choice.Text.ToString();
                item["logprobs"] = request.Logprobs ? Completion(choice.Logprobs) : null;
            }

            item["finish_reason"] = choice.Finish;
            choices.Add(item);
        }

        var response = Envelope(choices, chunk: false);
        response["usage"] = Usage();
        return response;
    }

    private JsonObject Usage() => new()
    {
        ["prompt_tokens"] = request.PromptTokens,
        ["completion_tokens"] = CompletionTokens,
        ["total_tokens"] = request.PromptTokens + CompletionTokens,
    };

    private JsonObject Envelope(JsonArray choices, bool chunk) => new()
    {
        ["id"] = _id,
        ["object"] = request.Chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion",
        ["created"] = _created,
        ["model"] = model,
        ["choices"] = choices,
    };

    // Output rows are prompt-major: row = prompt × n + i.
    private int PromptIndex(int row) => Math.Min(row / Math.Max(1, request.Generation.Options?.NumReturnSequences ?? 1), request.PromptTexts.Count - 1);

    private string Prompt(int row) => request.PromptTexts[PromptIndex(row)];

    // The legacy completions shape: parallel lists over the tokens.
    private static JsonObject Completion(IEnumerable<JsonObject> entries)
    {
        var list = entries.ToList();
        var offsets = new JsonArray();
        int offset = 0;
        foreach (var entry in list)
        {
            offsets.Add(offset);
            offset += ((string?)entry["token"])?.Length ?? 0;
        }

        return new JsonObject
        {
            ["tokens"] = new JsonArray([.. list.Select(e => e["token"]?.DeepClone())]),
            ["token_logprobs"] = new JsonArray([.. list.Select(e => e["logprob"]?.DeepClone())]),
            ["top_logprobs"] = new JsonArray([.. list.Select(e => e["top_logprobs"] is JsonArray top
                ? (JsonNode)new JsonObject(top.OfType<JsonObject>()
                    .GroupBy(t => (string)t["token"]!).Select(g => KeyValuePair.Create(g.Key, g.First()["logprob"]?.DeepClone())))
                : null)]),
            ["text_offset"] = offsets,
        };
    }

    private static string FinishName(FinishReason reason) => reason switch
    {
        FinishReason.Length or FinishReason.Time => "length",
        FinishReason.Cancelled => "cancelled",
        _ => "stop",
    };

    private sealed class Choice(int index)
    {
        public int Index { get; } = index;

        public StringBuilder Text { get; } = new();

        public List<JsonObject> Logprobs { get; } = [];

        public int Tokens { get; set; }

        public bool Started { get; set; }

        public bool RoleSent { get; set; }

        public string? Finish { get; set; }

        public bool PromptScored { get; set; }

        // The chosen token's logprob is the model's (log-softmax of the raw logits); the alternatives' are after the
        // request's processor chain, i.e. what the sampler chose from.
        public JsonObject AddLogprob(GenerationUpdate update, ITokenizer tokenizer)
        {
            var top = new JsonArray();
            foreach (var alternative in update.Alternatives ?? [])
            {
                string text = alternative.Text ?? tokenizer.Decode([alternative.TokenId]);
                top.Add(Entry(text, alternative.Logprob));
            }

            var entry = Entry(tokenizer.Decode([update.TokenId]), update.Logprob);
            entry["top_logprobs"] = top;
            Logprobs.Add(entry);
            return (JsonObject)entry.DeepClone();
        }

        public static JsonObject Entry(string token, float? logprob) => new()
        {
            ["token"] = token,
            ["logprob"] = logprob is { } value ? Logprob(value) : null,
            ["bytes"] = new JsonArray([.. Encoding.UTF8.GetBytes(token).Select(b => (JsonNode)(int)b)]),
        };

        // JSON has no −∞: OpenAI's servers report an impossible token as −9999.
        public static JsonNode Logprob(float logprob) => float.IsNegativeInfinity(logprob) ? -9999f : logprob;
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Decoding;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Decoding.Processors;

/// <summary>Turns a fixture's Hugging Face config into resolved options, as generate() resolves them (spec §1.4, §2.1).</summary>
internal static class FixtureOptions
{
    public const int GptEos = 50256;

    public static GenerationOptions Resolve(JsonElement config, int promptLength)
    {
        var json = JsonNode.Parse(config.GetRawText())!.AsObject();
        json.Remove("early_stopping"); // A beam-search setting; its "never" form is not a processor concern.
        var options = json.Deserialize<GenerationOptions>(FixtureJson.Options)!;
        if (options.MaxNewTokens is { } maxNewTokens)
        {
            options.MaxLength = promptLength + maxNewTokens;
        }

        options.EosTokenId ??= [GptEos];
        if (options.MinNewTokens is { } minNewTokens)
        {
            options.MinLength = promptLength + minNewTokens;
        }

        return options;
    }

    /// <summary>min_tokens_to_keep: EOS count + 1 in beam sampling, else 1.</summary>
    public static int MinTokensToKeep(GenerationOptions options) =>
        options.DoSample && options.NumBeams > 1 ? options.EosTokenId!.Count + 1 : 1;

    public static IEnumerable<JsonElement> Cases(string file)
    {
        using var document = FixtureJson.Load(file);
        return document.RootElement.EnumerateArray().Select(c => c.Clone()).ToList();
    }
}

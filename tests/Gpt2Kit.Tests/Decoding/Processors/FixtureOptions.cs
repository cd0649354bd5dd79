using System.Text.Json;
using System.Text.Json.Nodes;
using Gpt2Kit.Decoding;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Decoding.Processors;

/// <summary>Turns a fixture's Hugging Face config into resolved options, as generate() resolves them (spec §1.4, §2.1).</summary>
internal static class FixtureOptions
{
    public const int GptEos = 50256;

    public static ResolvedGenerationOptions Resolve(JsonElement config, int promptLength, Gpt2Kit.Models.ModelInfo? model = null)
    {
        var json = JsonNode.Parse(config.GetRawText())!.AsObject();
        json.Remove("early_stopping"); // A beam-search setting; its "never" form is not a processor concern.
        var options = json.Deserialize<GenerationOptions>(FixtureJson.Options)!;
        options.EosTokenId ??= [GptEos];
        return Gpt2Kit.Configuration.GenerationOptionRules.Resolve(options, model ?? ProcessorTestKit.Model(50257, GptEos), promptLength);
    }

    /// <summary>min_tokens_to_keep: EOS count + 1 in beam sampling, else 1.</summary>
    public static int MinTokensToKeep(ResolvedGenerationOptions options) =>
        options.DoSample && options.NumBeams > 1 ? options.EosTokenId.Count + 1 : 1;

    public static IEnumerable<JsonElement> Cases(string file)
    {
        using var document = FixtureJson.Load(file);
        return document.RootElement.EnumerateArray().Select(c => c.Clone()).ToList();
    }
}

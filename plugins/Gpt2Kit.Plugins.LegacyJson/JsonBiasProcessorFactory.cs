using Gpt2Kit.Decoding;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Gpt2Kit.Plugins.LegacyJson;

/// <summary>The processor <c>json_bias</c>: adds the biases of a JSON table (<c>{"50256": -100, "13": 2.5}</c>), read
/// from the file named by the <c>path</c> setting with Newtonsoft.Json, to the scores of those tokens.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public sealed class JsonBiasProcessorFactory : ILogitsProcessorFactory
{
    /// <inheritdoc/>
    public string Name => "json_bias";

    /// <inheritdoc/>
    public LogitsProcessorStage Stage => LogitsProcessorStage.Processor;

    /// <summary>The version of the Newtonsoft.Json assembly this plugin runs with (12.0.0.0 when it is isolated from a
    /// host that uses 13).</summary>
    public static Version? NewtonsoftVersion => typeof(JsonConvert).Assembly.GetName().Version;

    /// <inheritdoc/>
    public ILogitsProcessor Create(ProcessorArguments arguments, ProcessorCreationContext context)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(context);
        const string Allowed = "a JSON file holding an object of token id to bias, e.g. {\"50256\": -100}";
        var path = arguments.GetString("path") ?? throw new GenerationConfigurationException(arguments.PathOf("path"), null, Allowed);
        JObject table;
        try
        {
            table = JObject.Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new GenerationConfigurationException(arguments.PathOf("path"), path, $"{Allowed} ({ex.Message})");
        }

        var biases = new Dictionary<int, float>();
        foreach (var entry in table.Properties())
        {
            if (!int.TryParse(entry.Name, out var id) || id < 0 || id >= context.Model.VocabSize
                || entry.Value.Type is not (JTokenType.Integer or JTokenType.Float))
            {
                throw new GenerationConfigurationException($"{arguments.PathOf("path")} ({path}):{entry.Name}", entry.Value.ToString(Formatting.None),
                    $"a token id in [0, {context.Model.VocabSize - 1}] mapped to a number");
            }

            biases[id] = entry.Value.Value<float>();
        }

        return new JsonBiasProcessor(biases);
    }

    private sealed class JsonBiasProcessor(Dictionary<int, float> biases) : ILogitsProcessor
    {
        public void Process(in LogitsContext context, Span<float> scores)
        {
            foreach (var (id, bias) in biases)
            {
                scores[id] += bias;
            }
        }
    }
}

using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Processors;
using Gpt2Kit.Models;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Tests.Decoding.Processors;

/// <summary>Small helpers to run one processor on a hand-made row.</summary>
internal static class ProcessorTestKit
{
    public const float NegInf = float.NegativeInfinity;

    public static ModelInfo Model(int vocabSize = 50257, params int[] eos) => new()
    {
        Name = "test",
        VocabSize = vocabSize,
        ContextLength = 1024,
        HiddenSize = 64,
        EosTokenIds = eos.Length == 0 ? [vocabSize - 1] : eos,
    };

    public static ProcessorCreationContext Context(int vocabSize = 50257, GenerationOptions? options = null, int minTokensToKeep = 1) =>
        new(Model(vocabSize), Gpt2Kit.Configuration.GenerationOptionRules.Resolve(options ?? new GenerationOptions(), Model(vocabSize)), minTokensToKeep, null);

    public static ProcessorCreationContext Context(ResolvedGenerationOptions options, int vocabSize = 50257, int minTokensToKeep = 1) =>
        new(Model(vocabSize), options, minTokensToKeep, null);

    /// <summary>Builds a chain from a request layer, resolved as the generator resolves it (the context carries the result).</summary>
    public static ProcessorChain Build(this ProcessorChainBuilder builder, GenerationOptions options, ProcessorCreationContext context, bool sampling) =>
        builder.Build(context.Options, context, sampling);

    /// <summary>Runs <paramref name="processor"/> on a copy of <paramref name="scores"/>.</summary>
    public static float[] Run(ILogitsProcessor processor, float[] scores, int[]? ids = null, int? promptLength = null, int maxLength = 100, int[]? eos = null)
    {
        ids ??= [0];
        var result = (float[])scores.Clone();
        var context = new LogitsContext(ids, promptLength ?? ids.Length, maxLength, eos ?? [], 0, 0);
        processor.Process(context, result);
        return result;
    }

    /// <summary>Natural logs of probabilities, so that softmax gives them back.</summary>
    public static float[] LogsOf(params double[] probabilities) => probabilities.Select(p => (float)Math.Log(p)).ToArray();

    /// <summary>A processor built by a factory from settings given as configuration JSON under <c>Gpt2Kit:Processors:0</c>.</summary>
    public static ILogitsProcessor FromJson(ILogitsProcessorFactory factory, string settingsJson, ProcessorCreationContext? context = null) =>
        factory.Create(new ProcessorArguments(Spec(settingsJson)), context ?? Context());

    /// <summary>A spec read from configuration JSON, with its real path.</summary>
    public static ProcessorSpec Spec(string entryJson, int index = 0)
    {
        var json = $"{{ \"Gpt2Kit\": {{ \"Processors\": [ {string.Join(", ", Enumerable.Repeat("{}", index).Append(entryJson))} ] }} }}";
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
        var section = configuration.GetSection($"Gpt2Kit:Processors:{index}");
        return new ProcessorSpec(section["type"] ?? "", section, section.Path);
    }

    /// <summary>Random logits with a spread like a language model's.</summary>
    public static float[] RandomLogits(int vocabSize, int seed, double scale = 3)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, vocabSize).Select(_ => (float)(scale * NextGaussian(random))).ToArray();
    }

    private static double NextGaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

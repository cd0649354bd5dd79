using BenchmarkDotNet.Attributes;
using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Processors;
using Gpt2Kit.Models;

namespace Gpt2Kit.Benchmarks;

/// <summary>One row of GPT-2-sized scores (50257) through one processor or a typical sampling chain, per call.
/// Run: <c>dotnet run -c Release --project bench/Gpt2Kit.Benchmarks -- --filter *ProcessorBenchmarks*</c>.</summary>
[MemoryDiagnoser]
public class ProcessorBenchmarks
{
    private const int Vocabulary = 50257;

    private readonly int[] _ids = Enumerable.Range(0, 256).Select(i => (i * 7919) % Vocabulary).ToArray();
    private float[] _logits = [];
    private float[] _scores = [];
    private ProcessorChain _chain = null!;

    /// <summary>The processor measured; <c>chain</c> is repetition penalty + temperature + top-k + top-p (a common sampling setup).</summary>
    [Params("temperature", "top_k", "top_p", "min_p", "typical_p", "epsilon_cutoff", "eta_cutoff", "repetition_penalty", "no_repeat_ngram", "chain")]
    public string Processor { get; set; } = "top_k";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _logits = Enumerable.Range(0, Vocabulary)
            .Select(_ => (float)(3 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())))
            .ToArray();
        _scores = new float[Vocabulary];

        var model = new ModelInfo { Name = "bench", VocabSize = Vocabulary, ContextLength = 1024, HiddenSize = 768, EosTokenIds = [50256] };
        var options = Processor switch
        {
            "temperature" => new GenerationOptions { Temperature = 0.7, TopK = 0 },
            "top_k" => new GenerationOptions { TopK = 50 },
            "top_p" => new GenerationOptions { TopK = 0, TopP = 0.9 },
            "min_p" => new GenerationOptions { TopK = 0, MinP = 0.05 },
            "typical_p" => new GenerationOptions { TopK = 0, TypicalP = 0.9 },
            "epsilon_cutoff" => new GenerationOptions { TopK = 0, EpsilonCutoff = 3e-4 },
            "eta_cutoff" => new GenerationOptions { TopK = 0, EtaCutoff = 1e-3 },
            "repetition_penalty" => new GenerationOptions { TopK = 0, RepetitionPenalty = 1.3 },
            "no_repeat_ngram" => new GenerationOptions { TopK = 0, NoRepeatNgramSize = 3 },
            _ => new GenerationOptions { RepetitionPenalty = 1.3, Temperature = 0.8, TopK = 40, TopP = 0.92 },
        };
        options.EosTokenId = [50256];
        var resolved = Gpt2Kit.Configuration.GenerationOptionRules.Resolve(options, model);
        _chain = new ProcessorChainBuilder([]).Build(resolved, new ProcessorCreationContext(model, resolved, 1, null), sampling: true);
    }

    [Benchmark]
    public float Process()
    {
        _logits.CopyTo(_scores, 0);
        _chain.Process(new LogitsContext(_ids, 200, 1024, [50256], 0, 0), _scores);
        return _scores[0];
    }
}

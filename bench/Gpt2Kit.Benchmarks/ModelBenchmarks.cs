using BenchmarkDotNet.Attributes;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Benchmarks;
using Gpt2Kit.Models;

namespace Gpt2Kit.Benchmarks;

/// <summary>The CPU backend on a random-weight checkpoint of a real GPT-2 shape (124M by default): prefill of a 512-token
/// prompt, and greedy decoding of 128 tokens after a 16-token prompt at batch 1 and 8 (reported per step).
/// <c>dotnet run -c Release --project bench/Gpt2Kit.Benchmarks -- --filter *ModelBenchmarks*</c></summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    private const int DecodeSteps = 128;
    private Gpt2Model? _model;

    /// <summary>The checkpoint shape (see <see cref="Gpt2Config.PresetNames"/>).</summary>
    [Params("gpt2")]
    public string Shape { get; set; } = "gpt2";

    /// <summary>Forward-pass threads.</summary>
    [Params(2)]
    public int Threads { get; set; } = 2;

    /// <summary>Rows decoded together.</summary>
    [Params(1, 8)]
    public int Batch { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _model = Gpt2Model.FromPretrained(BenchmarkCheckpoint.Get(Shape), new ModelLoadOptions { Threads = Threads });
        ModelWorkloads.Decode(_model, 1, 4, 4);
    }

    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();

    /// <summary>One forward over a 512-token prompt (measured once per batch value; batch does not apply).</summary>
    [Benchmark]
    public TimeSpan Prefill512() => ModelWorkloads.Prefill(_model!, Math.Min(512, _model!.Info.ContextLength));

    /// <summary>One decoding step of <see cref="Batch"/> rows (128 steps per invocation after a 16-token prompt).</summary>
    [Benchmark(OperationsPerInvoke = DecodeSteps)]
    public TimeSpan DecodeStep() => ModelWorkloads.Decode(_model!, Batch, 16, DecodeSteps).Elapsed;
}

/// <summary>Random checkpoints for the benchmarks, written once into the temp folder and reused by later runs
/// (BenchmarkDotNet starts a process per case).</summary>
internal static class BenchmarkCheckpoint
{
    public static string Get(string shape)
    {
        string folder = Path.Combine(Path.GetTempPath(), "gpt2kit-bench", $"{shape}-seed0");
        string done = Path.Combine(folder, ".complete");
        if (!File.Exists(done))
        {
            Gpt2RandomCheckpoint.Write(folder, Gpt2Config.FromPreset(shape));
            File.WriteAllText(done, DateTime.UtcNow.ToString("O"));
        }

        return folder;
    }
}

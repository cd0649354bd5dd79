using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Gpt2.Tests.Support;
using Gpt2Kit.Models;
using Gpt2Kit.Plugins;
using Gpt2Kit.Testing;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>The "gpt2" model loader, DI registration, random checkpoints in other dtypes and an untied output layer.</summary>
public sealed class LoaderAndRegistrationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_loader_accepts_gpt2_folders_only()
    {
        var loader = new Gpt2ModelLoader();
        loader.Name.Should().Be("gpt2");
        loader.CanLoad(FixturePaths.Checkpoint("gpt2-tiny")).Should().BeTrue();
        loader.CanLoad(_folder.Path).Should().BeFalse("there is no config.json");
        File.WriteAllText(_folder.File("config.json"), """{"model_type": "llama"}""");
        loader.CanLoad(_folder.Path).Should().BeFalse();
        File.WriteAllText(_folder.File("config.json"), "not json");
        loader.CanLoad(_folder.Path).Should().BeFalse();

        using var model = loader.Load(FixturePaths.Checkpoint("gpt2-tiny"), new ModelLoadOptions { Threads = 1 });
        model.Info.VocabSize.Should().Be(50257);
    }

    [Fact]
    public void Loading_reports_progress_up_to_one()
    {
        var steps = new List<(double Fraction, string Step)>();
        using var model = Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny-f16"),
            new ModelLoadOptions { Threads = 1, Progress = new SynchronousProgress(steps.Add) });
        steps.Should().NotBeEmpty();
        steps.Select(s => s.Fraction).Should().BeInAscendingOrder().And.OnlyContain(f => f >= 0 && f <= 1);
        steps[^1].Fraction.Should().Be(1.0);
        steps.Should().Contain(s => s.Step.Contains("h.1.mlp.c_fc.weight"));
    }

    [Fact]
    public void AddGpt2Model_registers_a_lazily_loaded_model_and_the_loader()
    {
        var services = new ServiceCollection();
        var builder = new TestBuilder(services);
        builder.AddGpt2Model(_folder.File("missing"), o => o.Threads = 1);
        using var provider = services.BuildServiceProvider();
        provider.GetServices<IModelLoader>().Should().ContainSingle().Which.Should().BeOfType<Gpt2ModelLoader>();
        FluentActions.Invoking(() => provider.GetRequiredService<ICausalLanguageModel>())
            .Should().Throw<ModelLoadException>("the folder is only read when the model is first resolved");

        var good = new ServiceCollection();
        new TestBuilder(good).AddGpt2Model(FixturePaths.Checkpoint("gpt2-tiny"));
        using var goodProvider = good.BuildServiceProvider();
        goodProvider.GetRequiredService<ICausalLanguageModel>().Should().BeSameAs(goodProvider.GetRequiredService<ICausalLanguageModel>());
    }

    [Fact]
    public void AddGpt2Model_registers_the_folders_tokenizer_or_the_embedded_one_and_keeps_a_host_tokenizer()
    {
        var withVocabulary = new ServiceCollection();
        new TestBuilder(withVocabulary).AddGpt2Model(FixturePaths.Checkpoint("gpt2-tiny"));
        using (var provider = withVocabulary.BuildServiceProvider())
        {
            provider.GetRequiredService<ITokenizer>().Encode("Hello, my name is").Should().Equal(15496, 11, 616, 1438, 318);
        }

        // A weights-only folder falls back to the original GPT-2 vocabulary.
        string weightsOnly = _folder.File("weights-only");
        Directory.CreateDirectory(weightsOnly);
        var bare = new ServiceCollection();
        new TestBuilder(bare).AddGpt2Model(weightsOnly);
        using (var provider = bare.BuildServiceProvider())
        {
            provider.GetRequiredService<ITokenizer>().Should().BeSameAs(Gpt2Tokenizer.Default);
        }

        var hostChosen = new ServiceCollection();
        var own = Gpt2Tokenizer.FromFolder(FixturePaths.Checkpoint("gpt2-tiny-f16"));
        hostChosen.AddSingleton<ITokenizer>(own);
        new TestBuilder(hostChosen).AddGpt2Model(FixturePaths.Checkpoint("gpt2-tiny"));
        using (var provider = hostChosen.BuildServiceProvider())
        {
            provider.GetRequiredService<ITokenizer>().Should().BeSameAs(own);
        }
    }

    [Theory]
    [InlineData(SafeTensorsDType.F16)]
    [InlineData(SafeTensorsDType.BF16)]
    public void Narrow_random_checkpoints_stay_narrow_in_memory_and_close_to_fp32(SafeTensorsDType dtype)
    {
        var config = Gpt2Config.FromPreset("tiny");
        string f32 = Path.Combine(_folder.Path, "f32"), narrow = Path.Combine(_folder.Path, "narrow");
        Gpt2RandomCheckpoint.Write(f32, config, SafeTensorsDType.F32, seed: 4);
        Gpt2RandomCheckpoint.Write(narrow, config, dtype, seed: 4);
        File.Exists(Path.Combine(narrow, "vocab.json")).Should().BeTrue();
        File.ReadAllBytes(Path.Combine(narrow, "merges.txt")).Should().Equal(File.ReadAllBytes(FixturePaths.Get("gpt2-tiny", "merges.txt")));

        using var wide = Gpt2Model.FromPretrained(f32, new ModelLoadOptions { Threads = 1 });
        using var model = Gpt2Model.FromPretrained(narrow, new ModelLoadOptions { Threads = 1 });
        model.StoredDTypes.Should().Equal(dtype);
        model.DType.Should().Be(dtype == SafeTensorsDType.F16 ? "f16" : "bf16");
        model.ConvertedBytes.Should().Be(0, "16-bit matrices are used in place from the mapped file");
        model.WeightBytes.Should().BeLessThan((wide.WeightBytes / 2) + 100_000, "two bytes per matrix weight, fp32 only for the vectors");
        wide.ConvertedBytes.Should().Be(0);

        // Rounding the weights to 10 (F16) or 7 (BF16) mantissa bits moves these small logits only a little.
        int[] ids = [10, 20, 30];
        ModelRunner.MaxAbsDifference(ModelRunner.LastLogits(model, ids), ModelRunner.LastLogits(wide, ids)).Should().BeLessThan(0.05f);
    }

    [Fact]
    public void An_untied_checkpoint_uses_its_own_lm_head()
    {
        var config = Gpt2Config.FromPreset("tiny") with { TieWordEmbeddings = false };
        Gpt2RandomCheckpoint.Write(_folder.Path, config, SafeTensorsDType.F32, seed: 5);
        using var model = Gpt2Model.FromPretrained(_folder.Path, new ModelLoadOptions { Threads = 1 });
        model.ParameterCount.Should().Be(config.ParameterCount + (50257L * 64));

        float[] logits = new float[50257];
        float[] hidden = new float[64];
        using var session = model.CreateSession(1, 2);
        session.Forward([5, 6], [0, 1], [1, 1], logits, hiddenStates: hidden);

        var (header, data) = CheckpointFiles.Read(Path.Combine(_folder.Path, "model.safetensors"));
        int begin = (int)header["lm_head.weight"]!["data_offsets"]![0]!;
        var lmHead = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data.AsSpan(begin, 50257 * 64 * 4));
        for (int v = 0; v < 50257; v += 1009)
        {
            double dot = 0;
            for (int i = 0; i < 64; i++)
            {
                dot += hidden[i] * lmHead[(v * 64) + i];
            }

            logits[v].Should().BeApproximately((float)dot, 1e-4f);
        }
    }

    private sealed class SynchronousProgress(Action<(double, string)> report) : IProgress<(double Fraction, string Step)>
    {
        public void Report((double Fraction, string Step) value) => report(value);
    }

    private sealed class TestBuilder(IServiceCollection services) : IGpt2KitBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}

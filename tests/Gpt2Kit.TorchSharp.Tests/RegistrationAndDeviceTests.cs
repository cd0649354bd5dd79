using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.TorchSharp.Tests;

/// <summary>Choosing the backend, device and dtype in code and in configuration, and the errors for what is not there.</summary>
public sealed class RegistrationAndDeviceTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] model) => new ConfigurationBuilder()
        .AddInMemoryCollection(model.Select(m => new KeyValuePair<string, string?>($"Gpt2Kit:Model:{m.Key}", m.Value)))
        .Build();

    private static async Task<int[]> GreedyIds(ServiceProvider provider)
    {
        var item = FixtureCases.Generate.First(c => c.Name == "greedy_single" && c.Checkpoint == "gpt2-tiny");
        var result = await provider.GetRequiredService<ITextGenerator>().GenerateAsync(GenerationRequest.FromIds(item.InputIds));
        result.Sequences[0].Should().Equal(item.Expected.Sequences[0]);
        return result.Sequences[0];
    }

    [Fact]
    public async Task Configuration_picks_the_torchsharp_backend_device_and_dtype()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit(Settings(("Path", FixturePaths.Checkpoint("gpt2-tiny")), ("Backend", "torchsharp"), ("Device", "cpu"), ("DType", "f32")))
            .AddGpt2Backend()
            .AddTorchSharpBackend();
        await using var provider = services.BuildServiceProvider();
        await GreedyIds(provider);

        // The same settings with a device only the torchsharp backend knows show which backend loaded the model.
        if (!global::TorchSharp.torch.cuda.is_available())
        {
            var cuda = new ServiceCollection();
            cuda.AddGpt2Kit(Settings(("Path", FixturePaths.Checkpoint("gpt2-tiny")), ("Backend", "torchsharp"), ("Device", "cuda")))
                .AddGpt2Backend()
                .AddTorchSharpBackend();
            await using var cudaProvider = cuda.BuildServiceProvider();
            FluentActions.Invoking(() => cudaProvider.GetRequiredService<ITextGenerator>())
                .Should().Throw<ModelLoadException>().WithMessage("Gpt2Kit:Model (torchsharp backend): device 'cuda': CUDA is not available*");
        }
    }

    [Fact]
    public async Task A_model_registered_in_code_runs_on_the_cpu_in_bf16()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit().AddTorchSharpModel(FixturePaths.Checkpoint("gpt2-tiny"), o => { o.Device = "cpu"; o.DType = TorchDType.BF16; });
        await using var provider = services.BuildServiceProvider();
        var model = (TorchSharpGpt2Model)provider.GetRequiredService<ICausalLanguageModel>();
        model.DType.Should().Be(TorchDType.BF16);
        model.WeightBytes.Should().Be(model.ParameterCount * 2);

        // bf16 is not the fixtures' precision (8 bits of mantissa); its logits stay within a few percent of fp32's range.
        int[] ids = [464, 2068, 7586, 21831];
        using var f32 = TorchSharpGpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new TorchSharpOptions { Device = "cpu" });
        float[] reference = Testing.Conformance.ModelRuns.LastLogits(f32, ids);
        float range = reference.Max() - reference.Min();
        Testing.Conformance.ModelRuns.MaxAbsDifference(Testing.Conformance.ModelRuns.LastLogits(model, ids), reference).Should().BeLessThan(0.05f * range, $"fp32 logits span {range}");
    }

    [Fact]
    public void Auto_falls_back_to_the_cpu_but_cuda_asked_for_is_an_error_naming_the_package()
    {
        using var auto = TorchSharpGpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new TorchSharpOptions { Device = "auto" });
        if (global::TorchSharp.torch.cuda.is_available())
        {
            auto.Device.type.Should().Be(global::TorchSharp.DeviceType.CUDA);
            return;
        }

        auto.Device.type.Should().Be(global::TorchSharp.DeviceType.CPU);
        foreach (string device in new[] { "cuda", "cuda:1" })
        {
            FluentActions.Invoking(() => TorchSharpGpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new TorchSharpOptions { Device = device }))
                .Should().Throw<ModelLoadException>().WithMessage($"device '{device}': CUDA is not available*libtorch-cuda-12.8-linux-x64*");
        }
    }

    [Fact]
    public void Unknown_devices_and_dtypes_are_named()
    {
        string folder = FixturePaths.Checkpoint("gpt2-tiny");
        FluentActions.Invoking(() => TorchSharpGpt2Model.FromPretrained(folder, new TorchSharpOptions { Device = "tpu" }))
            .Should().Throw<ModelLoadException>().WithMessage("device 'tpu' is not known; expected cpu, cuda, cuda:N*auto.");
        FluentActions.Invoking(() => new TorchSharpModelLoader().Load(folder, new ModelLoadOptions { DType = "q4" }))
            .Should().Throw<ModelLoadException>().WithMessage("dtype 'q4' is not supported by the torchsharp backend; expected f32, bf16 or f16.");
    }

    [Fact]
    public void A_q8_checkpoint_is_refused_naming_the_tensor_and_what_to_do()
    {
        using var folder = new TempFolder();
        using (var q8 = Gpt2.Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new ModelLoadOptions { DType = "q8" }))
        {
            q8.Save(folder.Path);
        }

        FluentActions.Invoking(() => TorchSharpGpt2Model.FromPretrained(folder.Path, new TorchSharpOptions { Device = "cpu" }))
            .Should().Throw<ModelLoadException>().WithMessage("*model.safetensors: tensor 'wte.weight' is I8, from a Gpt2Kit q8 checkpoint;*gpt2 backend*gpt2kit convert --dtype f32*");
    }

    [Fact]
    public async Task Configuration_errors_name_the_setting()
    {
        var services = new ServiceCollection();
        services.AddGpt2Kit(Settings(("Path", FixturePaths.Checkpoint("gpt2-tiny")), ("Backend", "torchsharp"))).AddGpt2Backend();
        await using (var provider = services.BuildServiceProvider())
        {
            FluentActions.Invoking(() => provider.GetRequiredService<ITextGenerator>())
                .Should().Throw<ModelLoadException>().WithMessage("Gpt2Kit:Model:Backend: 'torchsharp' is not a registered backend (registered: gpt2)*AddTorchSharpBackend()*");
        }

        services = new ServiceCollection();
        services.AddGpt2Kit(Settings(("Path", FixturePaths.Checkpoint("gpt2-tiny")), ("Device", "cuda"))).AddGpt2Backend();
        await using (var provider = services.BuildServiceProvider())
        {
            FluentActions.Invoking(() => provider.GetRequiredService<ITextGenerator>())
                .Should().Throw<ModelLoadException>().WithMessage("Gpt2Kit:Model (gpt2 backend): device 'cuda': the gpt2 backend runs on the CPU only*torchsharp*");
        }

        FluentActions.Invoking(() => new ServiceCollection().AddGpt2Kit(Settings(("Path", "x"), ("Devices", "cpu"))))
            .Should().Throw<GenerationConfigurationException>().WithMessage("*Gpt2Kit:Model:Devices*unknown setting 'Devices'*Device*");
    }
}

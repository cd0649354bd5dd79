using System.CommandLine;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Models;
using Gpt2Kit.TorchSharp;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary><c>--backend gpt2|torchsharp</c> and <c>--device cpu|cuda|cuda:N|auto</c>: which backend computes the model and
/// where; the command's one <c>--dtype</c> option (<see cref="DTypeOption"/>) says in which format, for either backend.</summary>
/// <remarks>Built once per command; the options are immutable after that.</remarks>
internal sealed class BackendCliOptions
{
    public BackendCliOptions(Command command)
    {
        Backend = new Option<string>("--backend")
        {
            Description = $"Model backend: {Gpt2ModelLoader.BackendName} (managed, CPU) or {TorchSharpModelLoader.BackendName} (libtorch: CPU, or CUDA with the CUDA libtorch package).",
            DefaultValueFactory = _ => Gpt2ModelLoader.BackendName,
        };
        Device = new Option<string?>("--device") { Description = "Device for torchsharp: cpu, cuda, cuda:N or auto (default: auto; only auto falls back to the CPU).", HelpName = "DEVICE" };
        command.Options.Add(Backend);
        command.Options.Add(Device);
    }

    public Option<string> Backend { get; }

    public Option<string?> Device { get; }

    /// <summary>Whether the command line asks for the managed backend on its default device (then callers keep their usual path).</summary>
    public bool IsDefault(ParseResult parse) => BackendName(parse) == Gpt2ModelLoader.BackendName && parse.GetValue(Device) is null;

    /// <summary>Loads <paramref name="folder"/> with the chosen backend and device, in <paramref name="dtype"/> (null: the backend's default).</summary>
    /// <exception cref="CliException">The backend name is unknown.</exception>
    /// <exception cref="ModelLoadException">The checkpoint, device or dtype cannot be used; the message says why.</exception>
    public ICausalLanguageModel Load(ParseResult parse, string folder, int? threads, string? dtype, IProgress<(double Fraction, string Step)>? progress)
    {
        var options = new ModelLoadOptions { Threads = threads, Progress = progress, Device = parse.GetValue(Device), DType = dtype };
        IModelLoader loader = BackendName(parse) switch
        {
            Gpt2ModelLoader.BackendName => new Gpt2ModelLoader(),
            TorchSharpModelLoader.BackendName => new TorchSharpModelLoader(),
            var other => throw new CliException($"--backend: '{other}' is not a backend; expected {Gpt2ModelLoader.BackendName} or {TorchSharpModelLoader.BackendName}."),
        };
        return loader.Load(folder, options);
    }

    /// <summary>Whether the managed backend is chosen.</summary>
    public bool IsManaged(ParseResult parse) => BackendName(parse) == Gpt2ModelLoader.BackendName;

    private string BackendName(ParseResult parse) => (parse.GetValue(Backend) ?? Gpt2ModelLoader.BackendName).Trim().ToLowerInvariant();
}

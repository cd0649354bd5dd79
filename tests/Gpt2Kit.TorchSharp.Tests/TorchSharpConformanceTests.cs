using Gpt2Kit.Models;
using Gpt2Kit.Testing.Conformance;

namespace Gpt2Kit.TorchSharp.Tests;

/// <summary>The backend conformance suite on libtorch (CPU, fp32).</summary>
public sealed class TorchSharpConformanceTests : BackendConformanceTests
{
    protected override ICausalLanguageModel Load(string folder) =>
        TorchSharpGpt2Model.FromPretrained(folder, new TorchSharpOptions { Device = "cpu", DType = TorchDType.F32 });
}

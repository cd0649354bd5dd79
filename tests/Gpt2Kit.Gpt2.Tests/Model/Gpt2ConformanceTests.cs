using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Models;
using Gpt2Kit.Testing.Conformance;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>The backend conformance suite on the managed backend, each weight kept in the format it is stored in.</summary>
public sealed class Gpt2ConformanceTests : BackendConformanceTests
{
    protected override ICausalLanguageModel Load(string folder) => Gpt2Model.FromPretrained(folder, new ModelLoadOptions { Threads = 2 });
}

/// <summary>The backend conformance suite on the managed backend with every matrix converted to fp32 (the f16 and bf16
/// checkpoints too) and the kernels forced to 128-bit vectors.</summary>
public sealed class Gpt2F32At128BitsConformanceTests : BackendConformanceTests
{
    protected override ICausalLanguageModel Load(string folder) =>
        Gpt2Model.Load(folder, new ModelLoadOptions { Threads = 2, DType = "f32" }, SimdWidth.V128);
}

using Gpt2Kit.Models;
using Gpt2Kit.Testing.Conformance;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>The backend conformance suite on the managed backend.</summary>
public sealed class Gpt2ConformanceTests : BackendConformanceTests
{
    protected override ICausalLanguageModel Load(string folder) => Gpt2Model.FromPretrained(folder, new ModelLoadOptions { Threads = 2 });
}

using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Support;

/// <summary>Loads the fixture checkpoints once per test run and runs simple forwards on them.</summary>
public static class ModelRunner
{
    private static readonly Lazy<Gpt2Model> Tiny = new(() => Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new ModelLoadOptions { Threads = 2 }));
    private static readonly Lazy<Gpt2Model> TinyF16 = new(() => Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny-f16"), new ModelLoadOptions { Threads = 2 }));
    private static readonly Lazy<Gpt2Model> TinyQ8 = new(() => Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new ModelLoadOptions { Threads = 2, DType = "q8" }));

    /// <summary>The fp32 and f16 fixtures as stored, and the fp32 one quantized to q8 at load (a block format).</summary>
    public static TheoryData<string> Checkpoints => new() { "gpt2-tiny", "gpt2-tiny-f16", "gpt2-tiny as q8" };

    /// <summary>A shared model of a fixture checkpoint (never disposed: tests share it).</summary>
    public static Gpt2Model Model(string checkpoint) => checkpoint switch
    {
        "gpt2-tiny" => Tiny.Value,
        "gpt2-tiny-f16" => TinyF16.Value,
        "gpt2-tiny as q8" => TinyQ8.Value,
        _ => throw new ArgumentException(checkpoint),
    };
}

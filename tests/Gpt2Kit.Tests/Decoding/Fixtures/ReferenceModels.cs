using System.Collections.Concurrent;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Decoding.Fixtures;

/// <summary>The reference checkpoints, loaded once per test run and shared (models and generators are thread-safe).</summary>
internal static class ReferenceModels
{
    private static readonly ConcurrentDictionary<string, Lazy<Gpt2Model>> Models = new();

    public static Gpt2Model Model(string checkpoint) =>
        Models.GetOrAdd(checkpoint, name => new Lazy<Gpt2Model>(() => Gpt2Model.FromPretrained(FixturePaths.Checkpoint(name)))).Value;

    public static TextGenerator Generator(string checkpoint) => TextGenerator.Create(Model(checkpoint), Gpt2Tokenizer.Default);
}

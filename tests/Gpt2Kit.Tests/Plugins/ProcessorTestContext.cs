using Gpt2Kit.Decoding;
using Gpt2Kit.Models;

namespace Gpt2Kit.Tests.Plugins;

/// <summary>Creation and call contexts for driving a processor directly, over a vocabulary of 8 tokens.</summary>
internal static class ProcessorTestContext
{
    public static ProcessorCreationContext Create(long? seed = 1, int vocabSize = 8) => new(
        new ModelInfo { Name = "test", VocabSize = vocabSize, ContextLength = 64, HiddenSize = 4 },
        new ResolvedGenerationOptions { MaxLength = 64, Strategy = "sample", Seed = seed, DoSample = true },
        MinTokensToKeep: 1,
        Tokenizer: null);

    public static LogitsContext Logits(int[] inputIds, int promptLength = 1) =>
        new(inputIds, promptLength, maxLength: 64, eosTokenIds: [], row: 0, batchIndex: 0);
}

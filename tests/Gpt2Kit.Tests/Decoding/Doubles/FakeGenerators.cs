using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2.Tokenization;

namespace Gpt2Kit.Tests.Decoding.Doubles;

/// <summary>Generators over fake models, with the real GPT-2 tokenizer (ids below 256 are single characters and bytes).</summary>
internal static class FakeGenerators
{
    public const int SmallVocab = 64;

    /// <summary>A model whose every history gets its own random logits over <see cref="SmallVocab"/> tokens.</summary>
    public static FakeLanguageModel Hashed(int vocab = SmallVocab, int[]? eos = null, int? bos = null, int contextLength = 64, float scale = 3f) =>
        new(vocab, h => FakeLanguageModel.HashedLogits(h, vocab, scale: scale), eos: eos, bos: bos, contextLength: contextLength);

    /// <summary>A model that always makes <c>script[step]</c> by far the most likely next token (step = tokens after the
    /// first real prompt token's count <paramref name="promptLength"/>).</summary>
    public static FakeLanguageModel Scripted(int[] script, int promptLength, int vocab = 50257, int[]? eos = null) =>
        new(vocab, h =>
        {
            var logits = new float[vocab];
            int step = h.Count - promptLength;
            logits[script[Math.Clamp(step, 0, script.Length - 1)]] = 30f;
            return logits;
        }, eos: eos, contextLength: 256);

    public static TextGenerator Generator(FakeLanguageModel model, GenerationOptions? defaults = null) =>
        TextGenerator.Create(model, Gpt2Tokenizer.Default, defaults);
}

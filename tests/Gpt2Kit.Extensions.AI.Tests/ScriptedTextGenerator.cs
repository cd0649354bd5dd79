using System.Runtime.CompilerServices;
using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Extensions.AI.Tests;

/// <summary>A hand-written generator double: records every request and cancellation token, and answers with a scripted
/// list of tokens (each with its text) and a finish reason.</summary>
internal sealed class ScriptedTextGenerator : ITextGenerator
{
    public const int EndOfText = CharTokenizer.EndOfText;

    public List<GenerationRequest> Requests { get; } = [];

    public List<CancellationToken> Tokens { get; } = [];

    /// <summary>The tokens the "model" generates, as (id, text) pairs.</summary>
    public List<(int Id, string Text)> Script { get; set; } = [];

    public FinishReason Finish { get; set; } = FinishReason.Length;

    /// <summary>Streaming waits for cancellation before yielding this token index (null: never waits).</summary>
    public int? BlockBeforeToken { get; set; }

    public bool StreamDisposedEarly { get; private set; }

    public int TokensStreamed { get; private set; }

    public GenerationOptions? Defaults { get; set; }

    public ModelInfo Model { get; set; } = new() { Name = "scripted-gpt2", VocabSize = 50257, ContextLength = 1024, HiddenSize = 64, EosTokenIds = [EndOfText] };

    public ITokenizer Tokenizer { get; } = new CharTokenizer();

    /// <summary>Makes the script from text pieces, one token each.</summary>
    public ScriptedTextGenerator Say(params string[] pieces)
    {
        Script = pieces.Select((p, i) => (p == "<|endoftext|>" ? EndOfText : 1000 + i, p)).ToList();
        return this;
    }

    public Task<GenerationResult> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        Requests.Add(request);
        Tokens.Add(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        int[] prompt = Tokenizer.Encode(request.Prompts![0]);
        int[] generated = Script.Select(t => t.Id).ToArray();
        return Task.FromResult(new GenerationResult
        {
            Sequences = [[.. prompt, .. generated]],
            PromptLength = prompt.Length,
            Texts = [string.Concat(Script.Where(t => t.Id != EndOfText).Select(t => t.Text))],
            TransitionScores = [],
            TokenLogprobs = [],
            FinishReasons = [Finish],
        });
    }

    public async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Requests.Add(request);
        Tokens.Add(cancellationToken);
        bool finished = false;
        try
        {
            for (int step = 0; step < Script.Count; step++)
            {
                if (step == BlockBeforeToken)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
                TokensStreamed++;
                var (id, text) = Script[step];
                bool last = step == Script.Count - 1;
                yield return new GenerationUpdate
                {
                    Row = 0,
                    Step = step,
                    TokenId = id,
                    Text = text,
                    FinishReason = last ? Finish : FinishReason.None,
                };
            }

            finished = true;
        }
        finally
        {
            StreamDisposedEarly = !finished;
        }
    }

    public Task<ScoreResult> ScoreAsync(int[] prompt, int[] continuation, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<ScoreResult> ScoreAsync(int[] prompt, int[] continuation, int topAlternatives, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(GenerationOptions) ? Defaults : serviceType.IsInstanceOfType(this) ? this : null;
}

/// <summary>One token per UTF-16 character; <c>&lt;|endoftext|&gt;</c> is the special id 50256.</summary>
internal sealed class CharTokenizer : ITokenizer
{
    public const int EndOfText = 50256;

    public int VocabSize => 50257;

    public int? EndOfTextTokenId => EndOfText;

    public int[] Encode(string text, bool allowSpecialTokens = true) => text.Select(c => (int)c).ToArray();

    public EncodedBatch EncodeBatch(IReadOnlyList<string> texts, PaddingSide padding = PaddingSide.Left, int? padTokenId = null, bool allowSpecialTokens = true) =>
        throw new NotSupportedException();

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false, bool cleanUpTokenizationSpaces = false) =>
        throw new NotSupportedException();

    public ReadOnlySpan<byte> GetTokenBytes(int id) => throw new NotSupportedException();

    public bool IsSpecialToken(int id) => id == EndOfText;

    public IStreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => throw new NotSupportedException();
}

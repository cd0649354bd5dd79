using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Tests.Decoding.Doubles;
using Gpt2Kit.Tests.Decoding.Fixtures;

namespace Gpt2Kit.Tests.Reliability;

/// <summary>Cancellation and <c>max_time</c> reach into a long prefill: it is fed in chunks with a check between them,
/// and chunking changes no logit.</summary>
public sealed class TimeLimitTests
{
    [Fact]
    public void Chunked_prefill_gives_exactly_the_logits_of_one_call()
    {
        var model = ReferenceModels.Model("gpt2-tiny");
        const int rows = 4, length = 100;
        int vocab = model.Info.VocabSize;
        var tokens = Enumerable.Range(0, rows * length).Select(i => (i * 7919) % vocab).ToArray();
        var positions = Enumerable.Range(0, rows * length).Select(i => i % length).ToArray();
        var mask = Enumerable.Repeat(1, rows * length).ToArray();

        var whole = new float[rows * vocab];
        using (var session = model.CreateSession(rows, length + 1))
        {
            session.Forward(tokens, positions, mask, whole);
        }

        var chunked = new float[rows * vocab];
        var counting = new CountingModel(model);
        using (var session = new ChunkedPrefillModel(counting, CancellationToken.None, null).CreateSession(rows, length + 1))
        {
            session.Forward(tokens, positions, mask, chunked);
            session.Length.Should().Be(length);
        }

        counting.Calls.Should().Be(2, "256 rows × positions per chunk is 64 positions of 4 rows");
        chunked.Should().Equal(whole);
    }

    [Fact]
    public async Task Cancellation_during_a_long_prefill_stops_it_after_the_current_chunk()
    {
        using var cancel = new CancellationTokenSource();
        var model = new FakeLanguageModel(50, history => FakeLanguageModel.HashedLogits(history, 50), contextLength: 1000);
        model.OnForward = _ => cancel.Cancel();
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.Default);
        var prompt = Enumerable.Range(0, 900).Select(i => i % 50).ToArray();

        var act = () => generator.GenerateAsync(GenerationRequest.FromIds([prompt], new GenerationOptions { MaxNewTokens = 5 }), cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        model.ForwardCalls.Should().Be(1, "the 900-position prompt is 4 chunks; the check after the first one stops it");
    }

    [Fact]
    public async Task Max_time_running_out_during_a_long_prefill_ends_the_request_with_a_clear_error()
    {
        var model = new FakeLanguageModel(50, history => FakeLanguageModel.HashedLogits(history, 50), contextLength: 1000);
        model.OnForward = _ => Thread.Sleep(150);
        var generator = TextGenerator.Create(model, Gpt2Tokenizer.Default);
        var prompt = Enumerable.Range(0, 900).Select(i => i % 50).ToArray();

        var act = () => generator.GenerateAsync(GenerationRequest.FromIds([prompt], new GenerationOptions { MaxNewTokens = 5, MaxTime = 0.1 }));

        (await act.Should().ThrowAsync<TimeoutException>()).Which.Message.Should()
            .Be("max_time (0.1 s) ran out during the prompt's forward pass, after 256 of 900 positions; no token was generated.");
        model.ForwardCalls.Should().Be(1);
    }

    /// <summary>Counts the forward calls that reach the model.</summary>
    private sealed class CountingModel(Models.ICausalLanguageModel inner) : Models.ICausalLanguageModel
    {
        public int Calls { get; private set; }

        public Models.ModelInfo Info => inner.Info;

        public Models.IModelSession CreateSession(int rows, int capacity) => new Session(this, inner.CreateSession(rows, capacity));

        public void Dispose()
        {
        }

        private sealed class Session(CountingModel owner, Models.IModelSession session) : Models.IModelSession
        {
            public Models.ModelInfo Info => session.Info;

            public int Rows => session.Rows;

            public int Capacity => session.Capacity;

            public int Length => session.Length;

            public void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits, bool allPositions = false, Span<float> hiddenStates = default)
            {
                owner.Calls++;
                session.Forward(tokens, positions, attentionMask, logits, allPositions, hiddenStates);
            }

            public void Reorder(ReadOnlySpan<int> sources) => session.Reorder(sources);

            public void Truncate(int length) => session.Truncate(length);

            public void Dispose() => session.Dispose();
        }
    }
}

using System.Text;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Tests.Decoding.Doubles;

namespace Gpt2Kit.Tests.Decoding;

public class StreamingTests
{
    private static async Task<(List<GenerationUpdate> Updates, GenerationResult Result)> RunBoth(ITextGenerator generator, GenerationRequest request)
    {
        var updates = new List<GenerationUpdate>();
        await foreach (var update in generator.GenerateStreamingAsync(request))
        {
            updates.Add(update);
        }

        return (updates, await generator.GenerateAsync(request));
    }

    private static string Concatenated(IEnumerable<GenerationUpdate> updates, int row) =>
        string.Concat(updates.Where(u => u.Row == row).Select(u => u.Text));

    [Fact]
    public async Task Streamed_text_equals_the_final_text_with_emoji_and_a_stop_string()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        var script = tokenizer.Encode("Hi 😀 there, we say END now and more");
        var generator = FakeGenerators.Generator(FakeGenerators.Scripted(script, promptLength: 1, eos: [50256]));
        var request = GenerationRequest.FromIds([[40]], new GenerationOptions { MaxNewTokens = script.Length, StopStrings = ["END", "😀😀"] });

        var (updates, result) = await RunBoth(generator, request);

        result.Texts[0].Should().Be("Hi 😀 there, we say ");
        result.FinishReasons[0].Should().Be(FinishReason.StopString);
        Concatenated(updates, 0).Should().Be(result.Texts[0]);
        updates.Should().OnlyContain(u => !u.Text.Contains('\uFFFD'), "no update splits the emoji's bytes");
        updates.Should().OnlyContain(u => !u.Text.Contains('E'), "the start of a possible stop string is held back");
        updates[^1].FinishReason.Should().Be(FinishReason.StopString);
        updates[^1].TokenId.Should().Be(-1);
        updates.Where(u => u.TokenId >= 0).Select(u => u.TokenId).Should().Equal(result.Sequences[0].Skip(1));
    }

    [Fact]
    public async Task Streaming_a_sampled_batch_gives_every_row_its_final_text_and_scores()
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(vocab: 300, eos: [5], scale: 2f));
        var request = GenerationRequest.FromIds([[40, 41], [42]],
            new GenerationOptions { DoSample = true, MaxNewTokens = 10, NumReturnSequences = 2, Seed = 99, StopStrings = ["ab"] });

        var (updates, result) = await RunBoth(generator, request);

        for (int row = 0; row < 4; row++)
        {
            Concatenated(updates, row).Should().Be(result.Texts[row]);
            var tokens = updates.Where(u => u.Row == row && u.TokenId >= 0).ToList();
            tokens.Select(u => u.Score).Should().Equal(result.TransitionScores[row].Take(tokens.Count));
            tokens.Select(u => u.Logprob).Should().Equal(result.TokenLogprobs[row].Take(tokens.Count));
            updates.Single(u => u.Row == row && u.TokenId < 0).FinishReason.Should().Be(result.FinishReasons[row]);
        }
    }

    [Fact]
    public async Task Beam_search_streams_its_final_sequences()
    {
        var generator = FakeGenerators.Generator(FakeGenerators.Hashed(vocab: 300, eos: [5]));
        var request = GenerationRequest.FromIds([[40, 41]], new GenerationOptions { NumBeams = 3, NumReturnSequences = 2, MaxNewTokens = 6 });

        var (updates, result) = await RunBoth(generator, request);

        for (int row = 0; row < 2; row++)
        {
            Concatenated(updates, row).Should().Be(result.Texts[row]);
            updates.Where(u => u.Row == row && u.TokenId >= 0).Select(u => u.TokenId).Should().Equal(result.Sequences[row].Skip(2));
        }
    }

    [Fact]
    public async Task Cancelling_ends_the_stream_with_cancelled_rows_and_an_exception()
    {
        using var cts = new CancellationTokenSource();
        var model = FakeGenerators.Hashed(vocab: 300);
        model.OnForward = calls =>
        {
            if (calls == 3)
            {
                cts.Cancel();
            }
        };
        var generator = FakeGenerators.Generator(model);
        var updates = new List<GenerationUpdate>();

        var act = async () =>
        {
            await foreach (var update in generator.GenerateStreamingAsync(
                GenerationRequest.FromIds([[40], [41]], new GenerationOptions { MaxNewTokens = 50 }), cts.Token))
            {
                updates.Add(update);
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        updates.Where(u => u.TokenId >= 0).Should().HaveCount(4, "two steps ran before the third forward pass cancelled");
        updates.Where(u => u.TokenId < 0).Select(u => (u.Row, u.FinishReason)).Should().BeEquivalentTo(
            [(0, FinishReason.Cancelled), (1, FinishReason.Cancelled)]);
        model.ForwardCalls.Should().Be(3, "cancellation is noticed within the step");
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    public async Task Cancelling_a_request_throws_within_one_step(int beams, bool sample)
    {
        using var cts = new CancellationTokenSource();
        var model = FakeGenerators.Hashed(vocab: 300);
        model.OnForward = calls =>
        {
            if (calls == 2)
            {
                cts.Cancel();
            }
        };
        var generator = FakeGenerators.Generator(model);

        var act = () => generator.GenerateAsync(GenerationRequest.FromIds([[40]],
            new GenerationOptions { MaxNewTokens = 50, NumBeams = beams, DoSample = sample }), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        model.ForwardCalls.Should().Be(2);
    }

    [Fact]
    public void The_assembler_holds_back_only_what_could_start_a_stop_string()
    {
        var tokenizer = Gpt2Tokenizer.Default;
        var assembler = new Gpt2Kit.Decoding.Streaming.StreamingTextAssembler(tokenizer, ["STOP"]);
        var pieces = new StringBuilder();
        foreach (var id in tokenizer.Encode("aSTObSTOPc"))
        {
            pieces.Append(assembler.Append(id));
            pieces.ToString().Should().NotEndWith("S").And.NotEndWith("ST").And.NotEndWith("STO");
        }

        pieces.Append(assembler.Finish(FinishReason.StopString));
        pieces.ToString().Should().Be("aSTOb");
    }
}

using Gpt2Kit.Gpt2.Tests.Support;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>tests/fixtures/score.json: log-probability of a continuation, from all-position logits in one forward.</summary>
public sealed class ScoreFixtureTests
{
    [Theory]
    [MemberData(nameof(ModelRunner.Checkpoints), MemberType = typeof(ModelRunner))]
    public void Continuation_log_probabilities_match_the_fixture(string checkpoint)
    {
        using var document = FixtureJson.Load("score.json");
        var testCase = document.RootElement.EnumerateArray().Single(c => c.GetProperty("checkpoint").GetString() == checkpoint);
        int[] prompt = testCase.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int[] continuation = testCase.GetProperty("continuation").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expected = testCase.GetProperty("expected");
        double[] expectedTokenLogprobs = expected.GetProperty("token_logprobs").EnumerateArray().Select(e => e.GetDouble()).ToArray();

        var model = ModelRunner.Model(checkpoint);
        int vocab = model.Info.VocabSize;
        int[] ids = [.. prompt, .. continuation];
        float[] logits = ModelRunner.AllPositionLogits(model, ids);

        double total = 0;
        for (int i = 0; i < continuation.Length; i++)
        {
            // The logits at position p predict the token at p + 1.
            var row = logits.AsSpan((prompt.Length - 1 + i) * vocab, vocab);
            double logprob = LogSoftmaxAt(row, continuation[i]);
            logprob.Should().BeApproximately(expectedTokenLogprobs[i], 1e-4, $"continuation token {i}");
            total += logprob;
        }

        total.Should().BeApproximately(expected.GetProperty("logprob").GetDouble(), 1e-4);
    }

    private static double LogSoftmaxAt(ReadOnlySpan<float> row, int index)
    {
        double max = double.NegativeInfinity;
        foreach (float v in row)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (float v in row)
        {
            sum += Math.Exp(v - max);
        }

        return row[index] - max - Math.Log(sum);
    }
}

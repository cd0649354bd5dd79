using Gpt2Kit.Decoding;
using Gpt2Kit.Decoding.Processors;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Tests.Decoding.Processors;

/// <summary>tests/fixtures/process.json: the checkpoint's last logits for five ids, run through the whole chain of a config
/// with a prompt length of 3, compared on the top-64 tokens (score and log-softmax within 1e-4) and the survivor count.</summary>
public sealed class ProcessFixtureTests
{
    private static readonly ProcessorChainBuilder Builder = new(BuiltInProcessors.CreateFactories());
    private static readonly Lazy<Gpt2Model> TinyModel = new(() =>
        Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new ModelLoadOptions { Threads = 2 }));

    public static TheoryData<int, string> Cases() => FixtureCases.ProcessRows();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Processed_scores_match_the_fixture(int index, string name)
    {
        var fixture = FixtureCases.Process[index];
        fixture.Checkpoint.Should().Be("gpt2-tiny", name);
        var ids = fixture.InputIds;
        var promptLength = fixture.PromptLength;
        var model = TinyModel.Value;
        var options = FixtureOptions.Resolve(fixture.Config, promptLength, model.Info);

        var scores = LastLogits(model, ids);
        var context = new ProcessorCreationContext(model.Info, options, FixtureOptions.MinTokensToKeep(options), null);
        var chain = Builder.Build(options, context, sampling: options.DoSample);
        chain.Process(new LogitsContext(ids, promptLength, options.MaxLength, options.EosTokenId.ToArray(), 0, 0), scores);

        chain.Names.Should().Equal(fixture.Processors);
        scores.Count(float.IsFinite).Should().Be(fixture.FiniteCount);

        var logSoftmax = LogSoftmax(scores);
        var top = fixture.Top;
        foreach (var (id, score, logProb) in top)
        {
            if (float.IsNegativeInfinity(score))
            {
                scores[id].Should().Be(float.NegativeInfinity, $"token {id} is filtered in the fixture");
                continue;
            }

            scores[id].Should().BeApproximately(score, FixtureAssert.Tolerance, $"score of token {id}");
            ((float)logSoftmax[id]).Should().BeApproximately(logProb, FixtureAssert.Tolerance, $"log-softmax of token {id}");
        }

        // The fixture's finite entries are the most likely tokens: ours must be the same ones.
        var finiteIds = top.Where(t => float.IsFinite(t.Score)).Select(t => t.Id).ToHashSet();
        var ourTop = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).Take(finiteIds.Count);
        ourTop.Should().BeEquivalentTo(finiteIds);
    }

    private static float[] LastLogits(Gpt2Model model, int[] ids)
    {
        using var session = model.CreateSession(1, 8);
        var mask = Enumerable.Repeat(1, ids.Length).ToArray();
        var positions = Enumerable.Range(0, ids.Length).ToArray();
        var logits = new float[model.Info.VocabSize];
        session.Forward(ids, positions, mask, logits);
        return logits;
    }

    private static double[] LogSoftmax(float[] scores)
    {
        double max = scores.Max();
        var logSum = Math.Log(scores.Sum(s => Math.Exp(s - max)));
        return scores.Select(s => s - max - logSum).ToArray();
    }
}

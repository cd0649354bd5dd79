using Gpt2Kit.Gpt2.Tests.Support;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>A left-padded batch with generate()'s positions gives every row the logits it gets alone.</summary>
public sealed class PaddedBatchTests
{
    [Theory]
    [MemberData(nameof(ModelRunner.Checkpoints), MemberType = typeof(ModelRunner))]
    public void Each_row_of_a_left_padded_batch_equals_the_row_run_alone_while_decoding(string checkpoint)
    {
        var model = ModelRunner.Model(checkpoint);
        int vocab = model.Info.VocabSize, pad = model.Info.EosTokenIds[0], steps = 4;
        int[][] prompts = [ModelRunner.RandomIds(7, seed: 1), ModelRunner.RandomIds(2, seed: 2), ModelRunner.RandomIds(5, seed: 3)];
        int rows = prompts.Length, width = prompts.Max(p => p.Length);
        int[] ids = new int[rows * width], mask = new int[rows * width], positions = new int[rows * width];
        for (int r = 0; r < rows; r++)
        {
            int padding = width - prompts[r].Length;
            ids.AsSpan(r * width, padding).Fill(pad);
            prompts[r].CopyTo(ids, (r * width) + padding);
            mask.AsSpan((r * width) + padding, prompts[r].Length).Fill(1);
        }

        PositionIds.FromAttentionMask(mask, rows, positions);
        int[][] continuations = Enumerable.Range(0, rows).Select(r => ModelRunner.RandomIds(steps, seed: 40 + r)).ToArray();
        float[][] alone = Enumerable.Range(0, rows).Select(r => ModelRunner.AllPositionLogits(model, [.. prompts[r], .. continuations[r]])).ToArray();

        using var session = model.CreateSession(rows, width + steps);
        float[] logits = new float[rows * vocab];
        session.Forward(ids, positions, mask, logits);
        for (int step = 0; step <= steps; step++)
        {
            for (int r = 0; r < rows; r++)
            {
                int position = prompts[r].Length - 1 + step;
                ModelRunner.MaxAbsDifference(logits.AsSpan(r * vocab, vocab), alone[r].AsSpan(position * vocab, vocab))
                    .Should().BeLessThan(1e-4f, $"row {r}, step {step}");
            }

            if (step < steps)
            {
                session.Forward(
                    continuations.Select(c => c[step]).ToArray(),
                    prompts.Select(p => p.Length + step).ToArray(),
                    ModelRunner.Ones(rows),
                    logits);
            }
        }
    }

    [Fact]
    public void A_row_that_is_all_padding_gives_finite_logits()
    {
        var model = ModelRunner.Model("gpt2-tiny");
        int vocab = model.Info.VocabSize;
        using var session = model.CreateSession(2, 4);
        float[] logits = new float[2 * 4 * vocab];
        session.Forward([464, 2068, 7586, 21831, 50256, 50256, 50256, 50256], [0, 1, 2, 3, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0, 0], logits, allPositions: true);
        logits.Should().OnlyContain(v => float.IsFinite(v));
        ModelRunner.MaxAbsDifference(logits.AsSpan(3 * vocab, vocab), ModelRunner.LastLogits(model, [464, 2068, 7586, 21831])).Should().BeLessThan(1e-4f);
    }

    [Fact]
    public void Padding_before_real_tokens_stays_finite_and_does_not_leak_into_them()
    {
        // The padding query sees only padding keys (its exact HF value is checked in CausalAttentionTests).
        var model = ModelRunner.Model("gpt2-tiny");
        int vocab = model.Info.VocabSize;
        using var session = model.CreateSession(1, 3);
        float[] logits = new float[3 * vocab];
        session.Forward([50256, 40, 588], [1, 0, 1], [0, 1, 1], logits, allPositions: true);
        logits.Should().OnlyContain(v => float.IsFinite(v));
        ModelRunner.MaxAbsDifference(logits.AsSpan(2 * vocab, vocab), ModelRunner.LastLogits(model, [40, 588])).Should().BeLessThan(1e-4f);
    }
}

using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Tests.Kernels;
using Gpt2Kit.Gpt2.Tests.Support;
using Gpt2Kit.Models;
using Gpt2Kit.Testing.Conformance;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary><see cref="IBatchDecodingModel.DecodeBatch"/>: each row's logits are bit-identical to its session decoding alone,
/// whatever else is in the batch, and bad calls are refused before anything changes.</summary>
public sealed class BatchDecodingTests
{
    /// <summary>A session with its own prompt (rows × width, left padding in some rows) and the ids it appends later.</summary>
    private sealed record Lane(int Rows, int PromptWidth, int Seed, int PaddedRow = -1)
    {
        public int[] Prompt => ModelRuns.RandomIds(Rows * PromptWidth, Seed);

        public int[] Mask => Enumerable.Range(0, Rows * PromptWidth).Select(i => i / PromptWidth == PaddedRow && i % PromptWidth < 2 ? 0 : 1).ToArray();

        public int[] Next(int step) => ModelRuns.RandomIds(Rows, (Seed * 100) + step);

        public IModelSession Start(ICausalLanguageModel model, int capacity, out float[] logits)
        {
            var session = model.CreateSession(Rows, capacity);
            logits = new float[Rows * model.Info.VocabSize];
            var positions = new int[Rows * PromptWidth];
            PositionIds.FromAttentionMask(Mask, Rows, positions);
            session.Forward(Prompt, positions, Mask, logits);
            return session;
        }

        public int[] Positions(int step)
        {
            var positions = new int[Rows];
            for (int r = 0; r < Rows; r++)
            {
                positions[r] = (r == PaddedRow ? PromptWidth - 2 : PromptWidth) + step;
            }

            return positions;
        }
    }

    [Theory]
    [MemberData(nameof(ModelRunner.Checkpoints), MemberType = typeof(ModelRunner))]
    public void Rows_decoded_in_changing_batches_equal_their_sessions_decoded_alone(string checkpoint)
    {
        var model = ModelRunner.Model(checkpoint);
        int vocab = model.Info.VocabSize, steps = 8;
        // Lanes join and leave at different steps; one is wider than the streaming kernel's 8 rows; the last step has one
        // lane left.
        (Lane Lane, int Join, int Leave)[] lanes =
        [
            (new Lane(1, 5, 1), 0, 8),
            (new Lane(3, 9, 2, PaddedRow: 1), 2, 6),
            (new Lane(1, 17, 3), 3, 7),
            (new Lane(10, 4, 4), 1, 4),
            (new Lane(4, 2, 5, PaddedRow: 3), 0, 3),
        ];

        var alone = lanes.Select(l => Decode(model, l.Lane, l.Leave - l.Join)).ToArray();
        var sessions = new IModelSession?[lanes.Length];
        try
        {
            var batched = lanes.Select(l => new List<float[]>()).ToArray();
            for (int step = 0; step < steps; step++)
            {
                var active = new List<int>();
                for (int i = 0; i < lanes.Length; i++)
                {
                    if (step == lanes[i].Join)
                    {
                        sessions[i] = lanes[i].Lane.Start(model, 32, out var first);
                        batched[i].Add(first);
                    }

                    if (step >= lanes[i].Join && step < lanes[i].Leave)
                    {
                        active.Add(i);
                    }
                }

                int rows = active.Sum(i => lanes[i].Lane.Rows);
                var tokens = active.SelectMany(i => lanes[i].Lane.Next(step - lanes[i].Join)).ToArray();
                var positions = active.SelectMany(i => lanes[i].Lane.Positions(step - lanes[i].Join)).ToArray();
                var logits = new float[rows * vocab];
                ((IBatchDecodingModel)model).DecodeBatch(active.Select(i => sessions[i]!).ToList(), tokens, positions, ModelRuns.Ones(rows), logits);
                int offset = 0;
                foreach (int i in active)
                {
                    batched[i].Add(logits.AsSpan(offset * vocab, lanes[i].Lane.Rows * vocab).ToArray());
                    offset += lanes[i].Lane.Rows;
                }
            }

            for (int i = 0; i < lanes.Length; i++)
            {
                batched[i].Should().HaveCount(alone[i].Count);
                for (int step = 0; step < alone[i].Count; step++)
                {
                    batched[i][step].Should().Equal(alone[i][step], $"lane {i}, step {step}: batched rows must be bit-identical");
                }

                sessions[i]!.Length.Should().Be(lanes[i].Lane.PromptWidth + lanes[i].Leave - lanes[i].Join);
            }
        }
        finally
        {
            foreach (var session in sessions)
            {
                session?.Dispose();
            }
        }
    }

    public static TheoryData<string> Formats() => new(SimdWidths.Conv1DLayouts);

    [Theory]
    [MemberData(nameof(Formats))]
    public void The_streaming_kernel_gives_a_row_the_same_sums_in_any_batch_width(string formatName)
    {
        // The 124M shapes: the property the batched step relies on, at the column blockings that many rows choose, in
        // every weight format (one row and several take different loops; q8 takes rows 32 at a time).
        const int inner = 768, columns = 3072;
        var weight = WeightData.Create(formatName, inner, columns, 3);
        var random = new Random(3);
        float[] bias = Enumerable.Range(0, columns).Select(_ => (float)random.NextDouble()).ToArray();
        foreach (int rows in new[] { 2, 9, 32, 40 })
        {
            float[] input = Enumerable.Range(0, rows * inner).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            float[] together = new float[rows * columns];
            Conv1DStreaming.Compute(input, rows, weight.Span, bias, together, 96, 504, 0, columns);
            for (int r = 0; r < rows; r++)
            {
                float[] alone = new float[columns];
                Conv1DStreaming.Compute(input.AsSpan(r * inner, inner), 1, weight.Span, bias, alone, 96, 504, 0, columns);
                together.AsSpan(r * columns, columns).ToArray().Should().Equal(alone, $"row {r} of {rows}");
            }
        }
    }

    [Fact]
    public void Bad_batches_are_refused_naming_the_problem()
    {
        var model = ModelRunner.Model("gpt2-tiny");
        var other = ModelRunner.Model("gpt2-tiny-f16");
        var batching = (IBatchDecodingModel)model;
        int vocab = model.Info.VocabSize;
        using var a = model.CreateSession(1, 4);
        using var foreign = other.CreateSession(1, 4);
        using var full = model.CreateSession(1, 1);
        full.Forward([1], [0], [1], new float[vocab]);

        FluentActions.Invoking(() => batching.DecodeBatch([a, foreign], [1, 2], [0, 0], [1, 1], new float[2 * vocab]))
            .Should().Throw<ArgumentException>().WithMessage("sessions[1] was not created by this model*");
        FluentActions.Invoking(() => batching.DecodeBatch([a, a], [1, 2], [0, 0], [1, 1], new float[2 * vocab]))
            .Should().Throw<ArgumentException>().WithMessage("sessions[1] appears twice*");
        FluentActions.Invoking(() => batching.DecodeBatch([a, full], [1, 2], [0, 1], [1, 1], new float[2 * vocab]))
            .Should().Throw<InvalidOperationException>().WithMessage("sessions[1] is full*");
        FluentActions.Invoking(() => batching.DecodeBatch([a], [1, 2], [0, 0], [1, 1], new float[vocab]))
            .Should().Throw<ArgumentException>().WithMessage("*one entry per row (1)*");
        FluentActions.Invoking(() => batching.DecodeBatch([a], [vocab], [0], [1], new float[vocab]))
            .Should().Throw<ArgumentException>().WithMessage($"tokens[0] is {vocab}*");
        FluentActions.Invoking(() => batching.DecodeBatch([a], [1], [0], [1], new float[vocab - 1]))
            .Should().Throw<ArgumentException>().WithMessage("logits has*");
        a.Length.Should().Be(0, "nothing was appended by a refused call");
    }

    private static List<float[]> Decode(ICausalLanguageModel model, Lane lane, int steps)
    {
        using var session = lane.Start(model, 32, out var first);
        var all = new List<float[]> { first };
        for (int step = 0; step < steps; step++)
        {
            var logits = new float[lane.Rows * model.Info.VocabSize];
            session.Forward(lane.Next(step), lane.Positions(step), ModelRuns.Ones(lane.Rows), logits);
            all.Add(logits);
        }

        return all;
    }
}

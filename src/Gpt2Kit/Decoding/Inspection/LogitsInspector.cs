using System.Globalization;
using Gpt2Kit.Decoding.Search;

namespace Gpt2Kit.Decoding.Inspection;

/// <summary>Runs a request's processor chain step by step and reports the top tokens after it: the scores a strategy
/// would choose from. One path is followed: the most likely token, or a drawn one when the request samples. Beam modes
/// are inspected as their chain sees the scores (after <c>log_softmax</c>), along that single path.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class LogitsInspector
{
    public static IReadOnlyList<InspectionStep> Run(PreparedRun run, int steps, int top, int promptLength, CancellationToken cancellationToken)
    {
        var context = run.Context(observer: null);
        int vocab = context.Model.Info.VocabSize;
        int expand = run.Strategy.Name == SearchStrategyNames.Sample ? run.Options.NumReturnSequences : 1;
        bool sample = SearchStrategyNames.IsSampling(run.Strategy.Name);
        bool logProbabilities = SearchStrategyNames.IsBeam(run.Strategy.Name);
        var rows = new TokenRows(context.InputIds, context.AttentionMask, expand, context.MaxLength);
        int n = rows.Rows;
        var chain = new ProcessorChainRunner(context.Chain, context.EosTokenIds, context.MaxLength, promptLength);
        var alternatives = new TopAlternatives(top, vocab, context.Tokenizer);
        var logits = new float[n * vocab];
        var scores = new float[vocab];
        var scratch = new float[vocab];
        var choose = sample ? new CheckedSampling(vocab) : TokenSelectors.Greedy;
        var tokens = new int[n * rows.PromptLength];
        var positions = new int[n * rows.PromptLength];
        var mask = new int[n * rows.PromptLength];
        var next = new int[n];
        var report = new List<InspectionStep>(steps * n);

        using var session = context.Model.CreateSession(n, context.MaxLength);
        rows.WritePrompt(tokens, positions, mask);
        session.Forward(tokens, positions, mask, logits);
        for (int step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int r = 0; r < n; r++)
            {
                var raw = logits.AsSpan(r * vocab, vocab);
                if (logProbabilities)
                {
                    ScoreMath.LogSoftmax(raw, scores, scratch);
                }
                else
                {
                    raw.CopyTo(scores);
                }

                next[r] = chain.Choose(rows, r, scores, context.Random, choose);
                int finite = 0;
                foreach (var s in scores)
                {
                    finite += float.IsFinite(s) ? 1 : 0;
                }

                report.Add(new InspectionStep(step, r, alternatives.Build(scores) ?? [], finite, next[r]));
            }

            if (step + 1 == steps)
            {
                break;
            }

            rows.Append(next);
            rows.WriteLastColumn(tokens, positions, mask);
            session.Forward(tokens.AsSpan(0, n), positions.AsSpan(0, n), mask.AsSpan(0, n), logits);
        }

        return report;
    }

    /// <summary>Checks the inspection's own arguments against the padded input width.</summary>
    public static void Validate(int steps, int top, int? promptLength, int width, int vocab)
    {
        if (steps < 1)
        {
            throw new GenerationConfigurationException("steps", steps.ToString(CultureInfo.InvariantCulture), "an integer >= 1");
        }

        if (top < 1 || top > vocab)
        {
            throw new GenerationConfigurationException("top", top.ToString(CultureInfo.InvariantCulture), $"an integer in [1, {vocab}]");
        }

        if (promptLength is { } p && (p < 1 || p > width))
        {
            throw new GenerationConfigurationException("prompt_length", p.ToString(CultureInfo.InvariantCulture),
                $"an integer in [1, {width}] (the padded input width)");
        }
    }
}

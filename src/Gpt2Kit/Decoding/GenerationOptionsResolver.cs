using System.Collections;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding.Search;
using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding;

/// <summary>Turns a request's merged options into the one <see cref="ResolvedGenerationOptions"/> a strategy runs with, as
/// Hugging Face <c>generate()</c> does (§1 of the behaviour notes): the library defaults under every unset field, the model's
/// special ids, <c>max_new_tokens</c> → <c>max_length = P + n</c>, <c>min_new_tokens</c> → <c>min_length = P + n</c>, pad :=
/// first EOS, the mode chosen from the fields unless <see cref="GenerationOptions.Strategy"/> names one. Every value is
/// checked here, once, against <see cref="GenerationOptionRules"/>, before any model work.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class GenerationOptionsResolver
{
    /// <summary>Resolves everything that does not depend on the prompt. <paramref name="options"/> (the merged layers) is
    /// not changed.</summary>
    public static ResolvedOptions Resolve(GenerationOptions options, ModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        var merged = GenerationOptionRules.Defaults().Overlay(options);
        merged.EosTokenId ??= model.EosTokenIds.ToList();
        merged.BosTokenId ??= model.BosTokenId;
        merged.PadTokenId ??= model.PadTokenId ?? (merged.EosTokenId.Count > 0 ? merged.EosTokenId[0] : null);

        Validate(merged, model);
        string strategy = merged.Strategy ?? SelectMode(merged);
        merged.Strategy = strategy;
        return new ResolvedOptions(merged, strategy, [.. merged.EosTokenId], CreateRandom(merged.Seed));
    }

    /// <summary>Hugging Face's mode selection (§1.5), checked in this order.</summary>
    public static string SelectMode(GenerationOptions options)
    {
        bool sample = options.DoSample == true;
        if ((options.NumBeams ?? 1) <= 1)
        {
            if (!sample && options.PenaltyAlpha > 0 && options.TopK > 1)
            {
                return SearchStrategyNames.Contrastive;
            }

            return sample ? SearchStrategyNames.Sample : SearchStrategyNames.Greedy;
        }

        if (options.NumBeamGroups > 1)
        {
            return SearchStrategyNames.GroupBeam;
        }

        return sample ? SearchStrategyNames.BeamSample : SearchStrategyNames.Beam;
    }

    /// <summary>Fixes the lengths once the padded prompt width <paramref name="promptLength"/> and the number of prompts
    /// are known, checks that everything fits the model (context, rows × vocabulary), and returns the resolved form.</summary>
    /// <param name="resolved">The prompt-free resolution.</param>
    /// <param name="promptLength">The padded prompt width.</param>
    /// <param name="prompts">Prompts in the batch.</param>
    /// <param name="model">The model.</param>
    /// <param name="declaredPromptLength">For inspection: the prompt length processors see, when shorter than the input.</param>
    public static ResolvedGenerationOptions Finish(ResolvedOptions resolved, int promptLength, int prompts, ModelInfo model, int? declaredPromptLength = null)
    {
        var o = resolved.Options;
        int maxLength = MaxLength(o, promptLength, model);
        CheckRows(o, resolved.Strategy, prompts, model);
        int minLength = o.MinNewTokens is { } minNew ? (int)Math.Min(int.MaxValue, (long)(declaredPromptLength ?? promptLength) + minNew) : o.MinLength!.Value;
        return new ResolvedGenerationOptions
        {
            MaxLength = maxLength,
            MaxNewTokens = o.MaxNewTokens,
            MinLength = minLength,
            MinNewTokens = o.MinNewTokens,
            DoSample = o.DoSample!.Value,
            NumBeams = o.NumBeams!.Value,
            NumBeamGroups = o.NumBeamGroups!.Value,
            PenaltyAlpha = o.PenaltyAlpha,
            Temperature = o.Temperature!.Value,
            TopK = o.TopK ?? 0,
            TopP = o.TopP!.Value,
            MinP = o.MinP,
            TypicalP = o.TypicalP!.Value,
            EpsilonCutoff = o.EpsilonCutoff!.Value,
            EtaCutoff = o.EtaCutoff!.Value,
            DiversityPenalty = o.DiversityPenalty!.Value,
            RepetitionPenalty = o.RepetitionPenalty!.Value,
            EncoderRepetitionPenalty = o.EncoderRepetitionPenalty!.Value,
            LengthPenalty = o.LengthPenalty!.Value,
            NoRepeatNgramSize = o.NoRepeatNgramSize!.Value,
            EncoderNoRepeatNgramSize = o.EncoderNoRepeatNgramSize!.Value,
            BadWordsIds = o.BadWordsIds?.ToArray(),
            RenormalizeLogits = o.RenormalizeLogits!.Value,
            ForcedBosTokenId = o.ForcedBosTokenId,
            ForcedEosTokenId = o.ForcedEosTokenId?.ToArray(),
            RemoveInvalidValues = o.RemoveInvalidValues!.Value,
            ExponentialDecayLengthPenalty = o.ExponentialDecayLengthPenalty,
            SuppressTokens = o.SuppressTokens?.ToArray(),
            BeginSuppressTokens = o.BeginSuppressTokens?.ToArray(),
            SequenceBias = o.SequenceBias?.ToArray(),
            EarlyStopping = o.EarlyStopping!.Value,
            NumReturnSequences = o.NumReturnSequences!.Value,
            PadTokenId = resolved.PadTokenId,
            BosTokenId = o.BosTokenId,
            EosTokenId = resolved.EosTokenIds,
            StopStrings = o.StopStrings?.ToArray(),
            MaxTime = o.MaxTime,
            Seed = o.Seed,
            PresencePenalty = o.PresencePenalty!.Value,
            FrequencyPenalty = o.FrequencyPenalty!.Value,
            LogitBias = o.LogitBias is null ? null : new Dictionary<int, double>(o.LogitBias),
            RepetitionPenaltyWindow = o.RepetitionPenaltyWindow is > 0 ? o.RepetitionPenaltyWindow : null,
            TopAlternatives = o.TopAlternatives!.Value,
            Strategy = resolved.Strategy,
            Processors = o.Processors?.ToArray(),
        };
    }

    /// <summary>The request's random source: <see cref="Random"/> seeded from <see cref="GenerationOptions.Seed"/> (its
    /// 64 bits folded to 32), so a seed gives the same draws on every run, machine and thread; no seed gives a random one.</summary>
    public static Random CreateRandom(long? seed) =>
        seed is { } s ? new Random(unchecked((int)s ^ (int)(s >> 32))) : new Random();

    private static int MaxLength(GenerationOptions o, int promptLength, ModelInfo model)
    {
        // In 64 bits: prompt + new tokens must not wrap before it is compared with the context.
        long maxLength = o.MaxNewTokens is { } maxNew ? (long)promptLength + maxNew : o.MaxLength!.Value;
        if (o.MaxNewTokens is null && promptLength >= maxLength)
        {
            throw new GenerationConfigurationException("max_length", NumberRange.Format(maxLength),
                $"more than the prompt length ({promptLength} tokens, padding included); set max_new_tokens instead");
        }

        if (maxLength > model.ContextLength)
        {
            string path = o.MaxNewTokens is null ? "max_length" : "max_new_tokens";
            long value = o.MaxNewTokens ?? maxLength;
            int room = model.ContextLength - promptLength;
            throw new GenerationConfigurationException(path, NumberRange.Format(value),
                room > 0
                    ? $"a prompt of {promptLength} tokens plus new tokens within the model's context of {model.ContextLength} positions (at most {room} new tokens)"
                    : $"a prompt shorter than the model's context of {model.ContextLength} positions (the prompt has {promptLength} tokens)");
        }

        return (int)maxLength;
    }

    // Every strategy holds rows × vocabulary scores; the product must fit one array (checked in 64 bits).
    private static void CheckRows(GenerationOptions o, string strategy, int prompts, ModelInfo model)
    {
        var (rule, perPrompt) = strategy == SearchStrategyNames.Contrastive
            ? (GenerationOptionRules.TopK, (long)Math.Max(1, o.TopK ?? 1))
            : o.NumBeams > o.NumReturnSequences ? (GenerationOptionRules.NumBeams, (long)o.NumBeams!.Value) : (GenerationOptionRules.NumReturnSequences, (long)o.NumReturnSequences!.Value);
        long cells = Math.Max(1, prompts) * perPrompt * model.VocabSize;
        if (cells > Array.MaxLength)
        {
            long most = Array.MaxLength / ((long)Math.Max(1, prompts) * model.VocabSize);
            throw new GenerationConfigurationException(rule.Name, NumberRange.Format(perPrompt),
                $"an integer in [1, {most}] for {prompts} prompt(s) and a vocabulary of {model.VocabSize} (rows × vocabulary scores must fit in memory)");
        }
    }

    private static void Validate(GenerationOptions o, ModelInfo model)
    {
        int vocab = model.VocabSize;
        var tokenIds = NumberRange.TokenIds(vocab);
        bool sampling = o.DoSample == true;
        // EOS first: the pad id falls back to it, so a bad EOS id is reported as itself.
        foreach (var rule in GenerationOptionRules.All.OrderBy(r => r == GenerationOptionRules.EosTokenId ? 0 : 1))
        {
            if (rule.Range is not { } range || (rule.OnlyWhenSampling && !sampling))
            {
                continue;
            }

            // Token ids are bounded by the model's vocabulary here (configuration cannot know it).
            var allowed = range == NumberRange.Integers(0) ? tokenIds : range;
            switch (rule.Property.GetValue(o))
            {
                case null:
                    break;
                case int i:
                    allowed.Check(i, rule.Name);
                    break;
                case long l:
                    allowed.Check(l, rule.Name);
                    break;
                case double d:
                    allowed.Check(d, rule.Name);
                    break;
                case IList list:
                    CheckList(list, rule.Name, allowed);
                    break;
                case IDictionary<int, double> biases:
                    CheckCount(biases.Count, rule.Name);
                    foreach (var (token, bias) in biases)
                    {
                        var path = $"{rule.Name}:{NumberRange.Format(token)}";
                        tokenIds.Check(token, path);
                        GenerationOptionRules.LogitBiasValue.Check(bias, path);
                    }

                    break;
            }
        }

        GenerationOptionRules.NumBeamGroups.Check(o.NumBeamGroups!.Value);
        NumberRange.Integers(1, o.NumBeams!.Value).Check(o.NumBeamGroups.Value, "num_beam_groups");
        NumberRange.Integers(0, vocab).Check(o.TopAlternatives!.Value, "top_alternatives");
        if (o.ExponentialDecayLengthPenalty is { } decay)
        {
            NumberRange.Integers(0, GenerationOptionRules.MaxTokens).Check(decay.Start, "exponential_decay_length_penalty:start");
            NumberRange.Above(0).Check(decay.Factor, "exponential_decay_length_penalty:factor");
        }

        if (o.StopStrings is { } stops)
        {
            CheckCount(stops.Count, "stop_strings");
            for (int i = 0; i < stops.Count; i++)
            {
                if (string.IsNullOrEmpty(stops[i]))
                {
                    throw new GenerationConfigurationException($"stop_strings:{i}", stops[i] ?? "null", "a non-empty string");
                }
            }
        }
    }

    private static void CheckList(IList list, string name, NumberRange allowed)
    {
        CheckCount(list.Count, name);
        for (int i = 0; i < list.Count; i++)
        {
            switch (list[i])
            {
                case int id:
                    allowed.Check(id, $"{name}:{i}");
                    break;
                case int[] ids:
                    CheckCount(ids.Length, $"{name}:{i}");
                    for (int j = 0; j < ids.Length; j++)
                    {
                        allowed.Check(ids[j], $"{name}:{i}:{j}");
                    }

                    break;
                case SequenceBias bias:
                    if (bias.Tokens is null || double.IsNaN(bias.Bias) || bias.Tokens.Length == 0)
                    {
                        throw new GenerationConfigurationException($"{name}:{i}", "NaN", "[[token ids], bias] with a non-empty id list and a number as bias");
                    }

                    for (int j = 0; j < bias.Tokens.Length; j++)
                    {
                        allowed.Check(bias.Tokens[j], $"{name}:{i}:tokens:{j}");
                    }

                    break;
            }
        }
    }

    private static void CheckCount(int count, string name)
    {
        if (count > GenerationOptionRules.MaxListEntries)
        {
            throw new GenerationConfigurationException(name, $"a list of {count} entries", $"at most {GenerationOptionRules.MaxListEntries} entries");
        }
    }
}

/// <summary>A request's options before the prompt is known: the merged layers over the library defaults (EOS, BOS and pad
/// filled in), the strategy's name and the seeded random source.</summary>
/// <param name="Options">The merged, checked copy.</param>
/// <param name="Strategy">The strategy to run.</param>
/// <param name="EosTokenIds">End-of-sequence ids (possibly none).</param>
/// <param name="Random">The request's random source.</param>
internal sealed record ResolvedOptions(GenerationOptions Options, string Strategy, int[] EosTokenIds, Random Random)
{
    /// <summary>Padding id: the request's, the model's, else the first EOS; 0 when there is none (padding is then only ever masked).</summary>
    public int PadTokenId => Options.PadTokenId ?? 0;
}

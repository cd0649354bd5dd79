using System.Globalization;
using Gpt2Kit.Decoding.Search;
using Gpt2Kit.Models;

namespace Gpt2Kit.Decoding;

/// <summary>Turns the options of a request into the settings a strategy runs with, as Hugging Face <c>generate()</c> does
/// (§1 of the behaviour notes): defaults, then the model's special ids, then the request; <c>max_new_tokens</c> →
/// <c>max_length = P + n</c>; <c>min_new_tokens</c> → <c>min_length = P + n</c>; pad := first EOS; the mode chosen from the
/// fields unless <see cref="GenerationOptions.Strategy"/> names one. Every invalid value raises a
/// <see cref="GenerationConfigurationException"/> naming the option and its allowed range, before any model work.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class GenerationOptionsResolver
{
    /// <summary>Resolves everything that does not depend on the prompt: special ids, the strategy name, the random source,
    /// and the range checks. Returns a copy; <paramref name="options"/> is not changed.</summary>
    public static ResolvedOptions Resolve(GenerationOptions options, ModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        var resolved = options.Clone();
        resolved.EosTokenId ??= model.EosTokenIds.ToList();
        resolved.BosTokenId ??= model.BosTokenId;
        resolved.PadTokenId ??= model.PadTokenId ?? (resolved.EosTokenId.Count > 0 ? resolved.EosTokenId[0] : null);

        Validate(resolved, model);
        string strategy = resolved.Strategy ?? SelectMode(resolved);
        resolved.Strategy = strategy;
        return new ResolvedOptions(resolved, strategy, [.. resolved.EosTokenId], CreateRandom(resolved.Seed));
    }

    /// <summary>Hugging Face's mode selection (§1.5), checked in this order.</summary>
    public static string SelectMode(GenerationOptions options)
    {
        if (options.NumBeams <= 1)
        {
            if (!options.DoSample && options.PenaltyAlpha > 0 && options.TopK > 1)
            {
                return SearchStrategyNames.Contrastive;
            }

            return options.DoSample ? SearchStrategyNames.Sample : SearchStrategyNames.Greedy;
        }

        if (options.NumBeamGroups > 1)
        {
            return SearchStrategyNames.GroupBeam;
        }

        return options.DoSample ? SearchStrategyNames.BeamSample : SearchStrategyNames.Beam;
    }

    /// <summary>Fixes the lengths once the padded prompt width <paramref name="promptLength"/> is known: <c>max_length</c>
    /// from <c>max_new_tokens</c>, <c>min_length</c> from <c>min_new_tokens</c>; the prompt must leave room for one new
    /// token and everything must fit the model's context.</summary>
    public static void ResolveLengths(GenerationOptions options, int promptLength, ModelInfo model)
    {
        if (options.MaxNewTokens is { } maxNew)
        {
            options.MaxLength = promptLength + maxNew;
        }
        else if (promptLength >= options.MaxLength)
        {
            throw new GenerationConfigurationException("max_length", Format(options.MaxLength),
                $"more than the prompt length ({promptLength} tokens, padding included); set max_new_tokens instead");
        }

        if (options.MaxLength > model.ContextLength)
        {
            string path = options.MaxNewTokens is null ? "max_length" : "max_new_tokens";
            string value = options.MaxNewTokens is { } n ? Format(n) : Format(options.MaxLength);
            int room = model.ContextLength - promptLength;
            throw new GenerationConfigurationException(path, value,
                room > 0
                    ? $"a prompt of {promptLength} tokens plus new tokens within the model's context of {model.ContextLength} positions (at most {room} new tokens)"
                    : $"a prompt shorter than the model's context of {model.ContextLength} positions (the prompt has {promptLength} tokens)");
        }

        if (options.MinNewTokens is { } minNew)
        {
            options.MinLength = promptLength + minNew;
        }
    }

    /// <summary>The request's random source: <see cref="Random"/> seeded from <see cref="GenerationOptions.Seed"/> (its
    /// 64 bits folded to 32), so a seed gives the same draws on every run, machine and thread; no seed gives a random one.</summary>
    public static Random CreateRandom(long? seed) =>
        seed is { } s ? new Random(unchecked((int)s ^ (int)(s >> 32))) : new Random();

    private static void Validate(GenerationOptions o, ModelInfo model)
    {
        int vocab = model.VocabSize;
        if (o.MaxNewTokens is { } maxNew && maxNew < 1)
        {
            throw new GenerationConfigurationException("max_new_tokens", Format(maxNew), "an integer >= 1");
        }

        if (o.MaxNewTokens is null && o.MaxLength < 1)
        {
            throw new GenerationConfigurationException("max_length", Format(o.MaxLength), "an integer >= 1");
        }

        Require(o.MinLength >= 0, "min_length", Format(o.MinLength), "an integer >= 0");
        if (o.MinNewTokens is { } minNew)
        {
            Require(minNew >= 0, "min_new_tokens", Format(minNew), "an integer >= 0");
        }

        Require(o.NumBeams >= 1, "num_beams", Format(o.NumBeams), "an integer >= 1");
        Require(o.NumBeamGroups >= 1 && o.NumBeamGroups <= o.NumBeams, "num_beam_groups", Format(o.NumBeamGroups),
            $"an integer in [1, num_beams = {o.NumBeams}]");
        Require(o.NumReturnSequences >= 1, "num_return_sequences", Format(o.NumReturnSequences), "an integer >= 1");
        Require(!double.IsNaN(o.Temperature) && !double.IsInfinity(o.Temperature) && o.Temperature >= 0, "temperature", Format(o.Temperature),
            "a finite number > 0 when sampling");
        if (o.TopK is { } topK)
        {
            Require(topK >= 0, "top_k", Format(topK), "an integer >= 0 (0 disables)");
        }

        Require(o.TopP > 0 && o.TopP <= 1, "top_p", Format(o.TopP), "a number in (0, 1]");
        if (o.MinP is { } minP)
        {
            Require(minP >= 0 && minP <= 1, "min_p", Format(minP), "a number in [0, 1]");
        }

        Require(o.TypicalP > 0 && o.TypicalP <= 1, "typical_p", Format(o.TypicalP), "a number in (0, 1]");
        Require(o.EpsilonCutoff >= 0 && o.EpsilonCutoff < 1, "epsilon_cutoff", Format(o.EpsilonCutoff), "a number in [0, 1)");
        Require(o.EtaCutoff >= 0 && o.EtaCutoff < 1, "eta_cutoff", Format(o.EtaCutoff), "a number in [0, 1)");
        Require(o.RepetitionPenalty > 0 && !double.IsInfinity(o.RepetitionPenalty), "repetition_penalty", Format(o.RepetitionPenalty), "a number > 0 (1 disables)");
        Require(o.EncoderRepetitionPenalty > 0 && !double.IsInfinity(o.EncoderRepetitionPenalty), "encoder_repetition_penalty",
            Format(o.EncoderRepetitionPenalty), "a number > 0 (1 disables)");
        Require(!double.IsNaN(o.LengthPenalty) && !double.IsInfinity(o.LengthPenalty), "length_penalty", Format(o.LengthPenalty), "a finite number");
        Require(o.DiversityPenalty >= 0 && !double.IsInfinity(o.DiversityPenalty), "diversity_penalty", Format(o.DiversityPenalty), "a number >= 0");
        if (o.PenaltyAlpha is { } alpha)
        {
            Require(alpha >= 0 && alpha <= 1, "penalty_alpha", Format(alpha), "a number in [0, 1]");
        }

        Require(o.NoRepeatNgramSize >= 0, "no_repeat_ngram_size", Format(o.NoRepeatNgramSize), "an integer >= 0 (0 disables)");
        Require(o.EncoderNoRepeatNgramSize >= 0, "encoder_no_repeat_ngram_size", Format(o.EncoderNoRepeatNgramSize), "an integer >= 0 (0 disables)");
        Require(o.TopAlternatives >= 0 && o.TopAlternatives <= vocab, "top_alternatives", Format(o.TopAlternatives), $"an integer in [0, {vocab}]");
        if (o.MaxTime is { } maxTime)
        {
            Require(maxTime > 0 && !double.IsInfinity(maxTime), "max_time", Format(maxTime), "a number of seconds > 0");
        }

        for (int i = 0; i < o.EosTokenId!.Count; i++)
        {
            RequireId(o.EosTokenId[i], $"eos_token_id:{i}", vocab);
        }

        if (o.PadTokenId is { } pad)
        {
            RequireId(pad, "pad_token_id", vocab);
        }

        if (o.BosTokenId is { } bos)
        {
            RequireId(bos, "bos_token_id", vocab);
        }

        if (o.StopStrings is { } stops)
        {
            for (int i = 0; i < stops.Count; i++)
            {
                Require(!string.IsNullOrEmpty(stops[i]), $"stop_strings:{i}", stops[i] ?? "null", "a non-empty string");
            }
        }
    }

    private static void RequireId(int id, string path, int vocab) =>
        Require(id >= 0 && id < vocab, path, Format(id), $"a token id in [0, {vocab - 1}]");

    private static void Require(bool condition, string path, string value, string allowed)
    {
        if (!condition)
        {
            throw new GenerationConfigurationException(path, value, allowed);
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A request's resolved options: a private copy with EOS, BOS and pad filled in, the strategy's name and the
/// seeded random source.</summary>
/// <param name="Options">The resolved copy (its lengths are fixed later by <see cref="GenerationOptionsResolver.ResolveLengths"/>).</param>
/// <param name="Strategy">The strategy to run.</param>
/// <param name="EosTokenIds">End-of-sequence ids (possibly none).</param>
/// <param name="Random">The request's random source.</param>
internal sealed record ResolvedOptions(GenerationOptions Options, string Strategy, int[] EosTokenIds, Random Random)
{
    /// <summary>Padding id: the request's, the model's, else the first EOS; 0 when there is none (padding is then only ever masked).</summary>
    public int PadTokenId => Options.PadTokenId ?? 0;
}

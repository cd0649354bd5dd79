using System.Globalization;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Decoding;

/// <summary>The prompts of a request as equal-width rows: text prompts tokenized, ragged rows left-padded with the pad id
/// (mask 0 on the padding), an empty prompt replaced by <c>[bos]</c>.</summary>
/// <remarks>Immutable after creation; thread-safe for reading.</remarks>
internal sealed class PromptBatch
{
    private PromptBatch(int[][] inputIds, int[][] attentionMask)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
    }

    public int[][] InputIds { get; }

    public int[][] AttentionMask { get; }

    public int Width => InputIds[0].Length;

    /// <summary>Builds the rows of <paramref name="request"/>.</summary>
    /// <exception cref="GenerationConfigurationException">No prompt, an empty prompt without a BOS id, an id outside the
    /// vocabulary, or a malformed attention mask.</exception>
    public static PromptBatch Create(GenerationRequest request, ITokenizer tokenizer, int vocabSize, int? bosTokenId, int padTokenId)
    {
        ArgumentNullException.ThrowIfNull(request);
        bool hasText = request.Prompts is { Count: > 0 };
        bool hasIds = request.InputIds is { Count: > 0 };
        if (hasText == hasIds)
        {
            throw new GenerationConfigurationException("prompt", hasText
                ? "give either text prompts or input ids, not both."
                : "a prompt is required: give text prompts or input ids.");
        }

        string kind = hasText ? "prompts" : "input_ids";
        var rows = hasText
            ? request.Prompts!.Select(p => tokenizer.Encode(p ?? throw new GenerationConfigurationException("prompts", "a prompt is null."))).ToArray()
            : request.InputIds!.Select(r => r ?? throw new GenerationConfigurationException("input_ids", "a row is null.")).ToArray();

        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].Length == 0)
            {
                rows[r] = bosTokenId is { } bos
                    ? [bos]
                    : throw new GenerationConfigurationException($"{kind}:{r}", "",
                        "a non-empty prompt (the model defines no bos_token_id to start an empty one from)");
            }

            for (int t = 0; t < rows[r].Length; t++)
            {
                int id = rows[r][t];
                if (id < 0 || id >= vocabSize)
                {
                    throw new GenerationConfigurationException($"{kind}:{r}:{t}", id.ToString(CultureInfo.InvariantCulture), $"a token id in [0, {vocabSize - 1}]");
                }
            }
        }

        if (!hasText && request.AttentionMask is { } mask)
        {
            return WithMask(rows, mask);
        }

        int width = rows.Max(r => r.Length);
        var ids = new int[rows.Length][];
        var masks = new int[rows.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            int padding = width - rows[r].Length;
            ids[r] = new int[width];
            masks[r] = new int[width];
            ids[r].AsSpan(0, padding).Fill(padTokenId);
            rows[r].CopyTo(ids[r], padding);
            masks[r].AsSpan(padding).Fill(1);
        }

        return new PromptBatch(ids, masks);
    }

    private static PromptBatch WithMask(int[][] rows, IReadOnlyList<int[]> mask)
    {
        if (mask.Count != rows.Length)
        {
            throw new GenerationConfigurationException("attention_mask", mask.Count.ToString(CultureInfo.InvariantCulture),
                $"one row per input_ids row ({rows.Length})");
        }

        int width = rows[0].Length;
        var masks = new int[rows.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].Length != width || mask[r] is null || mask[r].Length != width)
            {
                throw new GenerationConfigurationException($"attention_mask:{r}", (mask[r]?.Length ?? 0).ToString(CultureInfo.InvariantCulture),
                    $"with an explicit mask, every input_ids and mask row has the same width ({width})");
            }

            if (mask[r].Any(m => m is not (0 or 1)))
            {
                throw new GenerationConfigurationException($"attention_mask:{r}", string.Join(",", mask[r]), "only 0 (padding) and 1 (token)");
            }

            if (!mask[r].Contains(1))
            {
                throw new GenerationConfigurationException($"attention_mask:{r}", string.Join(",", mask[r]), "at least one 1 (a row needs a real token)");
            }

            masks[r] = (int[])mask[r].Clone();
        }

        return new PromptBatch(rows.Select(r => (int[])r.Clone()).ToArray(), masks);
    }
}

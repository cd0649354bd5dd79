using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Decoding.Stopping;

/// <summary>Hugging Face <c>StopStringCriteria</c>: a row is finished when one of the stop strings occurs in its text and
/// the occurrence overlaps the last token (the last token may run past the string's end; an occurrence entirely inside
/// earlier tokens does not count). The text is the concatenation of every token decoded on its own (a partial UTF-8 token
/// reads as U+FFFD), prompt included.</summary>
/// <remarks>Belongs to one request; not thread-safe. It keeps no per-row state, so beam reordering cannot confuse it:
/// each check decodes just enough of the row's tail to hold the longest stop string before the last token.</remarks>
internal sealed class StopStringCriterion : IStoppingCriterion
{
    private readonly ITokenizer _tokenizer;
    private readonly string[] _stopStrings;
    private readonly int _longest;
    private readonly Dictionary<int, string> _tokenTexts = [];
    private char[] _window = [];

    public StopStringCriterion(ITokenizer tokenizer, IEnumerable<string> stopStrings)
    {
        _tokenizer = tokenizer;
        _stopStrings = stopStrings.ToArray();
        _longest = _stopStrings.Max(s => s.Length);
    }

    public FinishReason Check(in StoppingContext context)
    {
        var ids = context.InputIds;
        if (ids.Length == 0)
        {
            return FinishReason.None;
        }

        string last = TextOf(ids[^1]);
        if (last.Length == 0)
        {
            return FinishReason.None;
        }

        // Text before the last token, just long enough for a stop string that ends inside the last token.
        int first = ids.Length - 1;
        int before = 0;
        while (first > 0 && before < _longest - 1)
        {
            before += TextOf(ids[--first]).Length;
        }

        // Copied into a reused buffer: this runs for every row at every step.
        int length = before + last.Length;
        if (_window.Length < length)
        {
            _window = new char[Math.Max(length, 2 * _window.Length)];
        }

        int written = 0;
        for (int i = first; i < ids.Length; i++)
        {
            string text = TextOf(ids[i]);
            text.CopyTo(_window.AsSpan(written));
            written += text.Length;
        }

        var window = _window.AsSpan(0, length);
        foreach (var stop in _stopStrings)
        {
            int from = Math.Max(0, before - stop.Length + 1);
            if (window[from..].IndexOf(stop.AsSpan(), StringComparison.Ordinal) >= 0)
            {
                return FinishReason.StopString;
            }
        }

        return FinishReason.None;
    }

    private string TextOf(int id)
    {
        if (!_tokenTexts.TryGetValue(id, out var text))
        {
            text = _tokenizer.Decode([id]);
            _tokenTexts[id] = text;
        }

        return text;
    }
}

/// <summary>Creates a <see cref="StopStringCriterion"/> when <see cref="GenerationOptions.StopStrings"/> has entries.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal sealed class StopStringCriterionFactory : IStoppingCriterionFactory
{
    public string Name => "stop_strings";

    public IStoppingCriterion? Create(ResolvedGenerationOptions options, ProcessorCreationContext context)
    {
        if (options.StopStrings is not { Count: > 0 } stops)
        {
            return null;
        }

        for (int i = 0; i < stops.Count; i++)
        {
            if (string.IsNullOrEmpty(stops[i]))
            {
                throw new GenerationConfigurationException($"stop_strings:{i}", stops[i] ?? "null", "a non-empty string");
            }
        }

        if (context.Tokenizer is null)
        {
            throw new GenerationConfigurationException("stop_strings", "stop strings need a tokenizer, and this generator has none.");
        }

        return new StopStringCriterion(context.Tokenizer, stops);
    }
}

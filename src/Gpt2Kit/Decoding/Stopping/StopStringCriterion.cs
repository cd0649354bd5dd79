using System.Text;
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
    private readonly StringBuilder _window = new();

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
        _window.Clear();
        int before = 0;
        for (int i = ids.Length - 2; i >= 0 && before < _longest - 1; i--)
        {
            string text = TextOf(ids[i]);
            _window.Insert(0, text);
            before += text.Length;
        }

        _window.Append(last);
        string window = _window.ToString();
        int lastStart = window.Length - last.Length;
        foreach (var stop in _stopStrings)
        {
            int from = Math.Max(0, lastStart - stop.Length + 1);
            if (window.IndexOf(stop, from, StringComparison.Ordinal) >= 0)
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

    public IStoppingCriterion? Create(GenerationOptions options, ProcessorCreationContext context)
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

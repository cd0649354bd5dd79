using Gpt2Kit.Models;

namespace Gpt2Kit.Tests.Decoding.Doubles;

/// <summary>A hand-written causal language model: the logits (and hidden state) after a row's history are a pure function
/// of the row's real tokens and their positions, chosen by the test. Padding (mask 0) is invisible, so a correct left
/// padding and position bookkeeping gives a padded row exactly the logits of the same row alone.</summary>
internal sealed class FakeLanguageModel : ICausalLanguageModel
{
    private readonly Func<IReadOnlyList<(int Token, int Position)>, float[]> _logits;
    private readonly Func<IReadOnlyList<(int Token, int Position)>, float[]>? _hidden;

    public FakeLanguageModel(int vocabSize, Func<IReadOnlyList<(int Token, int Position)>, float[]> logits,
        Func<IReadOnlyList<(int Token, int Position)>, float[]>? hidden = null, int hiddenSize = 4, int contextLength = 64,
        int[]? eos = null, int? bos = null)
    {
        _logits = logits;
        _hidden = hidden;
        Info = new ModelInfo
        {
            Name = "fake",
            VocabSize = vocabSize,
            ContextLength = contextLength,
            HiddenSize = hiddenSize,
            EosTokenIds = eos ?? [],
            BosTokenId = bos,
        };
    }

    public ModelInfo Info { get; }

    /// <summary>Sessions created so far (rows, capacity).</summary>
    public List<(int Rows, int Capacity)> Sessions { get; } = [];

    /// <summary>Number of Forward calls over all sessions.</summary>
    public int ForwardCalls;

    /// <summary>Called at the start of every Forward (e.g. to cancel a request mid-way).</summary>
    public Action<int>? OnForward { get; set; }

    public IModelSession CreateSession(int rows, int capacity)
    {
        if (rows <= 0 || capacity <= 0 || capacity > Info.ContextLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity));
        }

        lock (Sessions)
        {
            Sessions.Add((rows, capacity));
        }

        return new Session(this, rows, capacity);
    }

    public void Dispose()
    {
    }

    /// <summary>Logits from a seeded hash of the history: a different, fixed distribution for every history.</summary>
    public static float[] HashedLogits(IReadOnlyList<(int Token, int Position)> history, int vocab, int salt = 0, float scale = 3f)
    {
        int seed = salt;
        foreach (var (token, position) in history)
        {
            seed = unchecked(seed * 31 + token * 7 + position * 131 + 17);
        }

        var random = new Random(seed);
        var logits = new float[vocab];
        for (int i = 0; i < vocab; i++)
        {
            logits[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        }

        return logits;
    }

    private sealed class Session(FakeLanguageModel model, int rows, int capacity) : IModelSession
    {
        private List<(int Token, int Position, int Mask)>[] _rows = Enumerable.Range(0, rows).Select(_ => new List<(int, int, int)>()).ToArray();

        public ModelInfo Info => model.Info;

        public int Rows => rows;

        public int Capacity => capacity;

        public int Length => _rows[0].Count;

        public void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits,
            bool allPositions = false, Span<float> hiddenStates = default)
        {
            Interlocked.Increment(ref model.ForwardCalls);
            model.OnForward?.Invoke(model.ForwardCalls);
            int t = tokens.Length / rows;
            if (tokens.Length != rows * t || positions.Length != tokens.Length || attentionMask.Length != tokens.Length)
            {
                throw new ArgumentException("span lengths disagree with rows");
            }

            if (Length + t > capacity)
            {
                throw new InvalidOperationException("capacity overflow");
            }

            int vocab = model.Info.VocabSize;
            int hidden = model.Info.HiddenSize;
            int outputs = allPositions ? t : 1;
            if (logits.Length != rows * outputs * vocab)
            {
                throw new ArgumentException($"logits has {logits.Length} entries, expected {rows * outputs * vocab}");
            }

            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < t; i++)
                {
                    int token = tokens[r * t + i];
                    if (token < 0 || token >= vocab)
                    {
                        throw new ArgumentException($"token {token} out of range");
                    }

                    _rows[r].Add((token, positions[r * t + i], attentionMask[r * t + i]));
                    if (allPositions || i == t - 1)
                    {
                        int slot = allPositions ? r * t + i : r;
                        var history = _rows[r].Where(e => e.Mask == 1).Select(e => (e.Token, e.Position)).ToList();
                        model._logits(history).CopyTo(logits.Slice(slot * vocab, vocab));
                        if (!hiddenStates.IsEmpty)
                        {
                            var h = model._hidden?.Invoke(history) ?? HashedLogits(history, hidden, salt: 99);
                            h.CopyTo(hiddenStates.Slice(slot * hidden, hidden));
                        }
                    }
                }
            }
        }

        public void Reorder(ReadOnlySpan<int> sources)
        {
            var copy = new List<(int, int, int)>[rows];
            for (int r = 0; r < rows; r++)
            {
                copy[r] = [.. _rows[sources[r]]];
            }

            _rows = copy;
        }

        public void Truncate(int length)
        {
            foreach (var row in _rows)
            {
                row.RemoveRange(length, row.Count - length);
            }
        }

        public void Dispose()
        {
        }
    }
}

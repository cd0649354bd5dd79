using System.Threading.Channels;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Decoding.Streaming;

/// <summary>Writes a strategy's tokens to a channel as <see cref="GenerationUpdate"/>s, with UTF-8-safe text that holds
/// back possible stop strings (one <see cref="StreamingTextAssembler"/> per row).</summary>
/// <remarks>Belongs to one request; called on the strategy's thread only (the channel does the hand-over).</remarks>
internal sealed class ChannelGenerationObserver(ChannelWriter<GenerationUpdate> writer, ITokenizer tokenizer, IReadOnlyList<string>? stopStrings)
    : IGenerationObserver
{
    private readonly Dictionary<int, (StreamingTextAssembler Text, int Steps)> _rows = [];

    public void OnToken(int row, int step, int tokenId, float score, float logprob, IReadOnlyList<TokenAlternative>? alternatives)
    {
        var state = Row(row);
        string text = state.Text.Append(tokenId);
        _rows[row] = (state.Text, step + 1);
        writer.TryWrite(new GenerationUpdate
        {
            Row = row,
            Step = step,
            TokenId = tokenId,
            Text = text,
            Score = score,
            Logprob = logprob,
            Alternatives = alternatives,
        });
    }

    public void OnFinished(int row, FinishReason reason)
    {
        var state = Row(row);
        writer.TryWrite(new GenerationUpdate
        {
            Row = row,
            Step = state.Steps,
            TokenId = -1,
            Text = state.Text.Finish(reason),
            FinishReason = reason,
        });
    }

    private (StreamingTextAssembler Text, int Steps) Row(int row)
    {
        if (!_rows.TryGetValue(row, out var state))
        {
            state = (new StreamingTextAssembler(tokenizer, stopStrings), 0);
            _rows[row] = state;
        }

        return state;
    }
}

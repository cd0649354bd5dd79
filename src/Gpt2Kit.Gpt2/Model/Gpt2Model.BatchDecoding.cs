using Gpt2Kit.Gpt2.Model;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2;

/// <summary>Batched decoding over several sessions (<see cref="IBatchDecodingModel"/>).</summary>
public sealed partial class Gpt2Model : IBatchDecodingModel
{
    private BatchDecoder? _idleDecoder;

    /// <inheritdoc/>
    /// <remarks>Sessions wider than the streaming kernel's row limit (8) are decoded on their own, one after another, with
    /// their own <see cref="IModelSession.Forward"/>: batching them would change their rows' summation order.</remarks>
    public unsafe void DecodeBatch(IReadOnlyList<IModelSession> sessions, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions,
        ReadOnlySpan<int> attentionMask, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        using var lease = Lease();
        var own = new Gpt2Session[sessions.Count];
        int rows = 0;
        for (int s = 0; s < own.Length; s++)
        {
            if (sessions[s] is not Gpt2Session session || !ReferenceEquals(session.Owner, this))
            {
                throw new ArgumentException($"sessions[{s}] was not created by this model.", nameof(sessions));
            }

            if (Array.IndexOf(own, session, 0, s) >= 0)
            {
                throw new ArgumentException($"sessions[{s}] appears twice.", nameof(sessions));
            }

            if (session.Length + 1 > session.Capacity)
            {
                throw new InvalidOperationException($"sessions[{s}] is full: it holds {session.Length} of its capacity {session.Capacity}.");
            }

            own[s] = session;
            rows += session.Rows;
        }

        ValidateBatch(rows, tokens, positions, attentionMask, logits);
        int vocab = Config.VocabSize;
        var batched = new List<Gpt2Session>(own.Length);
        var batchedTokens = new int[rows];
        var batchedPositions = new int[rows];
        var destinations = new nint[own.Length];
        int batchedRows = 0, first = 0;
        fixed (float* output = logits)
        {
            foreach (var session in own)
            {
                var slice = new Range(first, first + session.Rows);
                if (session.Rows > Conv1DWork.StreamingMaxRows)
                {
                    session.Forward(tokens[slice], positions[slice], attentionMask[slice], logits.Slice(first * vocab, session.Rows * vocab));
                }
                else
                {
                    session.BeginBatchedStep(attentionMask[slice]);
                    tokens[slice].CopyTo(batchedTokens.AsSpan(batchedRows));
                    positions[slice].CopyTo(batchedPositions.AsSpan(batchedRows));
                    destinations[batched.Count] = (nint)(output + ((long)first * vocab));
                    batched.Add(session);
                    batchedRows += session.Rows;
                }

                first += session.Rows;
            }

            if (batched.Count > 0)
            {
                RunBatch(batched, batchedTokens.AsSpan(0, batchedRows), batchedPositions.AsSpan(0, batchedRows), destinations.AsSpan(0, batched.Count));
            }
        }
    }

    private void RunBatch(List<Gpt2Session> sessions, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<nint> destinations)
    {
        // One idle decoder is kept; it grows in steps of 8 rows. Concurrent callers get one of their own.
        var decoder = Interlocked.Exchange(ref _idleDecoder, null);
        if (decoder is null || decoder.MaxRows < tokens.Length)
        {
            decoder?.Dispose();
            decoder = new BatchDecoder(Config, _weights, Threads, (tokens.Length + 7) / 8 * 8, SimdWidth);
        }

        var team = _teams.Rent();
        try
        {
            decoder.Decode(team, sessions, tokens, positions, destinations);
        }
        finally
        {
            _teams.Return(team);
            if (Volatile.Read(ref _disposed) != 0 || Interlocked.CompareExchange(ref _idleDecoder, decoder, null) is not null)
            {
                decoder.Dispose();
            }
        }
    }

    private void ValidateBatch(int rows, ReadOnlySpan<int> tokens, ReadOnlySpan<int> positions, ReadOnlySpan<int> attentionMask, Span<float> logits)
    {
        if (tokens.Length != rows || positions.Length != rows || attentionMask.Length != rows)
        {
            throw new ArgumentException(
                $"tokens, positions and attentionMask need one entry per row ({rows}); they have {tokens.Length}, {positions.Length} and {attentionMask.Length}.",
                nameof(tokens));
        }

        for (int i = 0; i < rows; i++)
        {
            if ((uint)tokens[i] >= (uint)Config.VocabSize)
            {
                throw new ArgumentException($"tokens[{i}] is {tokens[i]}; token ids are 0..{Config.VocabSize - 1}.", nameof(tokens));
            }

            if ((uint)positions[i] >= (uint)Config.ContextLength)
            {
                throw new ArgumentException($"positions[{i}] is {positions[i]}; this model has n_positions {Config.ContextLength} (positions 0..{Config.ContextLength - 1}).", nameof(positions));
            }

            if (attentionMask[i] is not (0 or 1))
            {
                throw new ArgumentException($"attentionMask[{i}] is {attentionMask[i]}; expected 0 or 1.", nameof(attentionMask));
            }
        }

        if (logits.Length != (long)rows * Config.VocabSize)
        {
            throw new ArgumentException($"logits has {logits.Length} floats; expected {rows} × {Config.VocabSize} = {(long)rows * Config.VocabSize}.", nameof(logits));
        }
    }
}

using System.Runtime.CompilerServices;
using Gpt2Kit.Decoding;
using Gpt2Kit.Models;
using Gpt2Kit.Tokenization;
using Microsoft.Extensions.AI;
using GenerationFinishReason = Gpt2Kit.Decoding.FinishReason;

namespace Gpt2Kit.Extensions.AI;

/// <summary>A Microsoft.Extensions.AI <see cref="IChatClient"/> over a Gpt2Kit <see cref="ITextGenerator"/>.</summary>
/// <remarks>
/// <para>The conversation is written as a plain transcript by <see cref="ChatPromptFormat"/> (system text, then
/// <c>User: …</c> / <c>Assistant: …</c> lines, ending with <c>Assistant:</c>), and the reply stops where the model starts the
/// next <c>\nUser:</c> turn. When the transcript and the reply's token budget exceed the model's context, the oldest turns
/// are left out (never the system text or the last message).</para>
/// <para><see cref="ChatOptions"/> map onto Hugging Face generation settings: <see cref="ChatOptions.MaxOutputTokens"/> →
/// <c>max_new_tokens</c> (default <see cref="Gpt2KitChatClientOptions.DefaultMaxOutputTokens"/>);
/// <see cref="ChatOptions.Temperature"/> → <c>do_sample</c> and <c>temperature</c> (0 means greedy);
/// <see cref="ChatOptions.TopP"/> → <c>top_p</c> and <see cref="ChatOptions.TopK"/> → <c>top_k</c> (either turns sampling on
/// unless a temperature of 0 was given); <see cref="ChatOptions.StopSequences"/> → <c>stop_strings</c> (with the format's);
/// <see cref="ChatOptions.Seed"/> → <c>seed</c>; <see cref="ChatOptions.FrequencyPenalty"/> and
/// <see cref="ChatOptions.PresencePenalty"/> → the OpenAI penalties; <see cref="ChatOptions.Instructions"/> join the system
/// text. Any Hugging Face setting can be passed in <see cref="ChatOptions.AdditionalProperties"/> under its Hugging Face name
/// (<c>repetition_penalty</c>, <c>num_beams</c>, <c>no_repeat_ngram_size</c>, …); those are applied last and win. Other
/// additional properties, tools and response formats are ignored: GPT-2 cannot call tools or promise JSON.</para>
/// <para>The response carries the true finish reason (<see cref="ChatFinishReason.Length"/> when the token budget ran out,
/// <see cref="ChatFinishReason.Stop"/> for end of text or a stop sequence) and token usage.</para>
/// <para>Thread-safe: the client holds no per-request state; concurrent requests run as the generator allows.</para>
/// </remarks>
public sealed class Gpt2KitChatClient : IChatClient
{
    /// <summary>The provider name reported in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "gpt2kit";

    private readonly ITextGenerator _generator;
    private readonly ChatPromptFormat _format;
    private readonly GenerationOptions _defaults;
    private readonly int _defaultMaxOutputTokens;
    private readonly IChatReducer? _reducer;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Creates a chat client over <paramref name="generator"/>.</summary>
    /// <param name="generator">The generator; not owned (disposing the client leaves it alone).</param>
    /// <param name="options">Prompt format and defaults; copied. Null uses the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="Gpt2KitChatClientOptions.DefaultMaxOutputTokens"/> is below 1.</exception>
    public Gpt2KitChatClient(ITextGenerator generator, Gpt2KitChatClientOptions? options = null)
    {
        _generator = generator ?? throw new ArgumentNullException(nameof(generator));
        options ??= new Gpt2KitChatClientOptions();
        if (options.DefaultMaxOutputTokens < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DefaultMaxOutputTokens,
                $"DefaultMaxOutputTokens: '{options.DefaultMaxOutputTokens}' is not allowed; expected an integer >= 1.");
        }

        _format = options.PromptFormat ?? ChatPromptFormat.Default;
        _defaults = (options.GenerationDefaults ?? GeneratorDefaults(generator) ?? new GenerationOptions()).Clone();
        _defaultMaxOutputTokens = options.DefaultMaxOutputTokens;
        _reducer = options.Reducer;
        _metadata = new ChatClientMetadata(ProviderName, providerUri: null, defaultModelId: generator.Model.Name);
    }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (request, stops) = BuildRequest(messages, options);
        var result = await _generator.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
        if (result.Texts.Count == 0 || result.Sequences.Count == 0 || result.FinishReasons.Count == 0)
        {
            throw new InvalidOperationException("The generator returned no sequence for the chat prompt.");
        }

        var filter = new ResponseTextFilter(stops);
        string text = filter.Append(result.Texts[0]) + filter.Finish();
        int outputTokens = CountGeneratedTokens(result, request.Options!);
        string responseId = NewId();
        var createdAt = DateTimeOffset.UtcNow;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text) { MessageId = responseId, CreatedAt = createdAt })
        {
            ResponseId = responseId,
            ModelId = _generator.Model.Name,
            CreatedAt = createdAt,
            FinishReason = filter.StopFound ? ChatFinishReason.Stop : MapFinishReason(result.FinishReasons[0]),
            Usage = Usage(result.PromptLength, outputTokens),
            RawRepresentation = result,
        };
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return StreamAsync(messages, options, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (request, stops) = BuildRequest(messages, options);
        if (request.Options!.NumBeams > 1)
        {
            // Beams are reordered every step, so no token is final before the search ends: answer in one piece.
            var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            foreach (var update in response.ToChatResponseUpdates())
            {
                yield return update;
            }

            yield break;
        }

        int inputTokens = _generator.Tokenizer.Encode(request.Prompts![0]).Length;
        string responseId = NewId();
        var createdAt = DateTimeOffset.UtcNow;
        var filter = new ResponseTextFilter(stops);
        var finish = GenerationFinishReason.None;
        int outputTokens = 0;

        await foreach (var update in _generator.GenerateStreamingAsync(request, cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (update.Row != 0)
            {
                continue;
            }

            bool isToken = update.TokenId >= 0;
            outputTokens += isToken ? 1 : 0;
            string shown = filter.Append(isToken && _generator.Tokenizer.IsSpecialToken(update.TokenId) ? "" : update.Text);
            if (shown.Length > 0)
            {
                yield return TextUpdate(shown, update);
            }

            if (update.FinishReason != GenerationFinishReason.None)
            {
                finish = update.FinishReason;
                break;
            }

            if (filter.StopFound)
            {
                break; // leaving the loop disposes the generator's stream, which ends the search
            }
        }

        string rest = filter.Finish();
        if (rest.Length > 0)
        {
            yield return TextUpdate(rest, null);
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(Usage(inputTokens, outputTokens))])
        {
            ResponseId = responseId,
            MessageId = responseId,
            CreatedAt = createdAt,
            ModelId = _generator.Model.Name,
            FinishReason = filter.StopFound ? ChatFinishReason.Stop : MapFinishReason(finish),
        };

        ChatResponseUpdate TextUpdate(string text, GenerationUpdate? raw) => new(ChatRole.Assistant, text)
        {
            ResponseId = responseId,
            MessageId = responseId,
            CreatedAt = createdAt,
            ModelId = _generator.Model.Name,
            RawRepresentation = raw,
        };
    }

    /// <summary>Returns <see cref="ChatClientMetadata"/>, this client, the <see cref="ITextGenerator"/>, its
    /// <see cref="ITokenizer"/>, its <see cref="ModelInfo"/> or the <see cref="ChatPromptFormat"/>; other types are asked of the
    /// generator. Keyed requests get null.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : serviceType.IsInstanceOfType(_generator) ? _generator
            : serviceType.IsInstanceOfType(_generator.Tokenizer) ? _generator.Tokenizer
            : serviceType == typeof(ModelInfo) ? _generator.Model
            : serviceType.IsInstanceOfType(_format) ? _format
            : _generator.GetService(serviceType);
    }

    /// <summary>Does nothing: the generator belongs to whoever created it.</summary>
    public void Dispose()
    {
    }

    // A request's options replace the generator's defaults, so start from them: Gpt2Kit's TextGenerator exposes them,
    // other generators may offer them as a service.
    private static GenerationOptions? GeneratorDefaults(ITextGenerator generator) =>
        generator.GetService(typeof(TextGenerator)) is TextGenerator textGenerator
            ? textGenerator.DefaultOptions
            : generator.GetService(typeof(GenerationOptions)) as GenerationOptions;

    private (GenerationRequest Request, IReadOnlyList<string> Stops) BuildRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var conversation = messages.ToList();
        var generation = ChatOptionsMapper.Map(options, _defaults, _defaultMaxOutputTokens, _format.StopSequences);
        if (_reducer is not null)
        {
            conversation = [.. _reducer.ReduceAsync(conversation, CancellationToken.None).GetAwaiter().GetResult()];
        }

        // GPT-2 sees a fixed window: the oldest turns give way (never the system text or the last message) until the
        // transcript and the reply's token budget fit. If even that is too long, the generator's length error says so.
        int budget = _generator.Model.ContextLength - (generation.MaxNewTokens ?? 0);
        var window = new ContextWindowChatReducer(_generator.Tokenizer, _format, budget, options);
        conversation = [.. window.ReduceAsync(conversation, CancellationToken.None).GetAwaiter().GetResult()];
        string prompt = _format.Format(conversation, options);

        return (GenerationRequest.FromText(prompt, generation), generation.StopStrings?.ToList() ?? []);
    }

    // Rows are padded after they finish; the reply's tokens run to the first end-of-sequence id, inclusive.
    private int CountGeneratedTokens(GenerationResult result, GenerationOptions options)
    {
        var generated = result.Sequences[0].AsSpan(Math.Min(result.PromptLength, result.Sequences[0].Length));
        IEnumerable<int> eos = options.EosTokenId ?? (IEnumerable<int>)_generator.Model.EosTokenIds;
        for (int i = 0; i < generated.Length; i++)
        {
            if (eos.Contains(generated[i]))
            {
                return i + 1;
            }
        }

        return generated.Length;
    }

    private static ChatFinishReason? MapFinishReason(GenerationFinishReason reason) => reason switch
    {
        GenerationFinishReason.Length or GenerationFinishReason.Time => ChatFinishReason.Length,
        GenerationFinishReason.EndOfSequence or GenerationFinishReason.StopString or GenerationFinishReason.Custom => ChatFinishReason.Stop,
        _ => null,
    };

    private static UsageDetails Usage(int input, int output) => new()
    {
        InputTokenCount = input,
        OutputTokenCount = output,
        TotalTokenCount = input + output,
    };

    private static string NewId() => "gpt2kit-" + Guid.NewGuid().ToString("N");
}

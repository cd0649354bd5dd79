using Gpt2Kit.Models;
using Gpt2Kit.Tokenization;

namespace Gpt2Kit.Decoding;

/// <summary>Generates text from a model: the entry point of Gpt2Kit.</summary>
/// <remarks>Implementations must be thread-safe: concurrent requests each get their own session.</remarks>
public interface ITextGenerator
{
    /// <summary>The model's description.</summary>
    ModelInfo Model { get; }

    /// <summary>The tokenizer used for text prompts and outputs.</summary>
    ITokenizer Tokenizer { get; }

    /// <summary>Runs a request to the end.</summary>
    /// <exception cref="GenerationConfigurationException">An option is invalid; the message names it and the allowed range.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    Task<GenerationResult> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Runs a request and streams its tokens as they are chosen.</summary>
    IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>The log-probability of <paramref name="continuation"/> after <paramref name="prompt"/>.</summary>
    Task<ScoreResult> ScoreAsync(int[] prompt, int[] continuation, CancellationToken cancellationToken = default);

    /// <summary>The log-probability of <paramref name="continuation"/> after <paramref name="prompt"/>, and at each of its
    /// positions the <paramref name="topAlternatives"/> most likely tokens (<see cref="ScoreResult.Alternatives"/>), as an
    /// evaluation harness asks of an OpenAI server's <c>echo</c>.</summary>
    /// <exception cref="GenerationConfigurationException"><paramref name="topAlternatives"/> is outside <c>top_alternatives</c>' range.</exception>
    Task<ScoreResult> ScoreAsync(int[] prompt, int[] continuation, int topAlternatives, CancellationToken cancellationToken = default);

    /// <summary>Asks for a service the generator holds (the model, the tokenizer, itself), or null.</summary>
    object? GetService(Type serviceType, object? serviceKey = null);
}

/// <summary>A generator that passes every call to an inner one: derive from it to add behaviour around generation.</summary>
/// <remarks>As thread-safe as the inner generator and the overrides.</remarks>
public class DelegatingTextGenerator : ITextGenerator, IDisposable
{
    /// <summary>Wraps <paramref name="innerGenerator"/>.</summary>
    protected DelegatingTextGenerator(ITextGenerator innerGenerator) =>
        InnerGenerator = innerGenerator ?? throw new ArgumentNullException(nameof(innerGenerator));

    /// <summary>The wrapped generator.</summary>
    protected ITextGenerator InnerGenerator { get; }

    /// <inheritdoc/>
    public virtual ModelInfo Model => InnerGenerator.Model;

    /// <inheritdoc/>
    public virtual ITokenizer Tokenizer => InnerGenerator.Tokenizer;

    /// <inheritdoc/>
    public virtual Task<GenerationResult> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        InnerGenerator.GenerateAsync(request, cancellationToken);

    /// <inheritdoc/>
    public virtual IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        InnerGenerator.GenerateStreamingAsync(request, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<ScoreResult> ScoreAsync(int[] prompt, int[] continuation, CancellationToken cancellationToken = default) =>
        InnerGenerator.ScoreAsync(prompt, continuation, cancellationToken);

    /// <inheritdoc/>
    public virtual Task<ScoreResult> ScoreAsync(int[] prompt, int[] continuation, int topAlternatives, CancellationToken cancellationToken = default) =>
        InnerGenerator.ScoreAsync(prompt, continuation, topAlternatives, cancellationToken);

    /// <inheritdoc/>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : InnerGenerator.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the inner generator when it is disposable.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            (InnerGenerator as IDisposable)?.Dispose();
        }
    }
}

using System.Collections.Concurrent;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Hub;
using Gpt2Kit.Models;

namespace Gpt2Kit.ML.Models;

/// <summary>Where <c>GenerateText</c> and <c>ScoreText</c> find the generator behind a model reference: a generator
/// registered under that reference, else the folder or Hugging Face name loaded once per process (by the first
/// registered backend that can load it, the managed GPT-2 backend by default) and shared by every step that names it.</summary>
/// <remarks>Thread-safe. A saved pipeline stores the model reference, never the weights, so the process that loads the
/// pipeline needs the same folder (a relative folder is read against its current directory), the model in its Hugging
/// Face cache, network access to download it, or a generator registered under the same reference. Loaded models live
/// as long as the process (they are memory-mapped and shared); <see cref="Unregister"/> removes a registration.</remarks>
public static class TextGeneratorRegistry
{
    private static readonly ConcurrentDictionary<string, ITextGenerator> Registered = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Lazy<ITextGenerator>> Loaded = new(StringComparer.Ordinal);
    private static readonly List<IModelLoader> Backends = [new Gpt2ModelLoader()];
    private static readonly Lock BackendsLock = new();

    /// <summary>Makes <paramref name="generator"/> the one used for <paramref name="modelReference"/> (any name, e.g. a
    /// generator on another backend); a step built over this reference can then be saved and loaded by that name.</summary>
    /// <exception cref="ArgumentException">The reference is empty.</exception>
    public static void Register(string modelReference, ITextGenerator generator)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelReference);
        ArgumentNullException.ThrowIfNull(generator);
        Registered[modelReference] = generator;
    }

    /// <summary>Removes a registration made with <see cref="Register"/>; returns whether there was one.</summary>
    public static bool Unregister(string modelReference) => Registered.TryRemove(modelReference, out _);

    /// <summary>Adds a model backend (e.g. another runtime's <see cref="IModelLoader"/>), asked before the ones added earlier.</summary>
    public static void AddBackend(IModelLoader backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        lock (BackendsLock)
        {
            Backends.Insert(0, backend);
        }
    }

    /// <summary>The reference under which <paramref name="generator"/> is registered, or null.</summary>
    public static string? FindReference(ITextGenerator generator) =>
        Registered.FirstOrDefault(pair => ReferenceEquals(pair.Value, generator)).Key;

    /// <summary>The generator for <paramref name="modelReference"/>: the registered one, else the model loaded from the
    /// folder or Hugging Face name (once per process).</summary>
    /// <exception cref="InvalidOperationException">The model cannot be found or loaded; the message names the reference,
    /// the reason and what to do.</exception>
    public static ITextGenerator Get(string modelReference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelReference);
        if (Registered.TryGetValue(modelReference, out var generator))
        {
            return generator;
        }

        var lazy = Loaded.GetOrAdd(modelReference, reference => new Lazy<ITextGenerator>(() => Load(reference)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed load is not cached: the folder may appear, or the network come back.
            Loaded.TryRemove(new KeyValuePair<string, Lazy<ITextGenerator>>(modelReference, lazy));
            throw;
        }
    }

    /// <summary>Forgets the models loaded so far (not the registrations), so the next use loads them again (tests).</summary>
    internal static void ForgetLoaded() => Loaded.Clear();

    private static TextGenerator Load(string reference)
    {
        string folder;
        try
        {
            folder = ModelLocation.Resolve(reference);
        }
        catch (Exception e) when (e is DirectoryNotFoundException or HuggingFaceHubException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"Model '{reference}' cannot be loaded: {e.Message} A pipeline refers to its model by folder or Hugging Face name, not by "
                + "its weights: put the model at that folder, into the Hugging Face cache, or register a generator under this name with "
                + $"{nameof(TextGeneratorRegistry)}.{nameof(Register)}.",
                e);
        }

        IModelLoader[] backends;
        lock (BackendsLock)
        {
            backends = [.. Backends];
        }

        var backend = backends.FirstOrDefault(b => b.CanLoad(folder)) ?? throw new InvalidOperationException(
            $"Model '{reference}' (folder {folder}) cannot be loaded: no backend understands it (tried {string.Join(", ", backends.Select(b => b.Name))}).");
        try
        {
            var model = backend.Load(folder);
            var tokenizer = backend.LoadTokenizer(folder) ?? Gpt2Tokenizer.FromFolderOrDefault(folder);
            return TextGenerator.Create(model, tokenizer);
        }
        catch (ModelLoadException e)
        {
            throw new InvalidOperationException($"Model '{reference}' (folder {folder}) cannot be loaded: {e.Message}", e);
        }
    }
}

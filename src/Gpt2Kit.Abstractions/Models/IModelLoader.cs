namespace Gpt2Kit.Models;

/// <summary>A model backend: turns a model location (a folder or a name) into a loaded model.
/// Registered under a name; plugins may add backends.</summary>
/// <remarks>Implementations must be thread-safe.</remarks>
public interface IModelLoader
{
    /// <summary>The backend's name, e.g. <c>"gpt2-cpu"</c>.</summary>
    string Name { get; }

    /// <summary>Whether this backend understands what is at <paramref name="location"/> (e.g. a folder holding a GPT-2 <c>config.json</c>).</summary>
    bool CanLoad(string location);

    /// <summary>Loads the model.</summary>
    /// <exception cref="ModelLoadException">The files are missing or malformed; the message names the file, tensor or key.</exception>
    ICausalLanguageModel Load(string location, ModelLoadOptions? options = null);

    /// <summary>The tokenizer that belongs with the model at <paramref name="location"/>, or null when this backend has none
    /// (the host must then be given one).</summary>
    /// <exception cref="InvalidDataException">The tokenizer files are malformed; the message names the file.</exception>
    Tokenization.ITokenizer? LoadTokenizer(string location) => null;
}

/// <summary>Options for <see cref="IModelLoader.Load"/>.</summary>
/// <remarks>Mutable; not thread-safe while being changed.</remarks>
public sealed class ModelLoadOptions
{
    /// <summary>Threads for the forward pass; null uses every core.</summary>
    public int? Threads { get; set; }

    /// <summary>The format the weights are computed from, by name: <c>f32</c>, <c>bf16</c>, <c>f16</c> or <c>q8</c> (8-bit
    /// weights with a scale per block of 32); null or <c>auto</c> keeps the format each weight is stored in. A backend that
    /// cannot compute in the named format fails the load with a <see cref="ModelLoadException"/> naming what it supports.</summary>
    public string? DType { get; set; }

    /// <summary>Progress of loading, from 0 to 1, with a short description of the step.</summary>
    public IProgress<(double Fraction, string Step)>? Progress { get; set; }

    /// <summary>The most native memory, in bytes, that one session (its KV cache and scratch) may take; a request that
    /// would need more fails with an error that names both numbers before anything is allocated. Null uses the memory
    /// available to the process (<see cref="GC.GetGCMemoryInfo()"/>'s <c>TotalAvailableMemoryBytes</c>).</summary>
    public long? MemoryBudgetBytes { get; set; }
}

/// <summary>A model could not be loaded; <see cref="Exception.Message"/> names the file, tensor or key at fault.</summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ModelLoadException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that caused it.</summary>
    public ModelLoadException(string message, Exception inner) : base(message, inner) { }
}

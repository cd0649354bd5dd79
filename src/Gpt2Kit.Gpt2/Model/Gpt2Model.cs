using Gpt2Kit.Gpt2.Kernels;
using Gpt2Kit.Gpt2.Model;
using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Gpt2.Threading;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2;

/// <summary>A GPT-2 checkpoint (Hugging Face layout: <c>config.json</c> and safetensors) on the managed CPU backend,
/// computing in fp32 registers exactly as <c>GPT2LMHeadModel</c> does with eager attention. The weight matrices stay in
/// the format they are stored in (fp32, f16, bf16 or q8; widening 16-bit values is exact, so logits equal those of the
/// widened model) unless <see cref="ModelLoadOptions.DType"/> asks for another.</summary>
/// <remarks>Thread-safe: the weights are read-only and any number of sessions may run at once, each on its own thread.
/// Every forward pass holds a lease on the model: <see cref="Dispose"/> waits for the passes in flight to end (one step at
/// most) before it unmaps the weights, and later calls on any session fail with <see cref="ObjectDisposedException"/>. The
/// checkpoint is memory-mapped: replacing a file by a new one (a new inode, as <c>mv</c> or a download does) is safe, but
/// rewriting or truncating it in place while the model is loaded changes the weights under it or ends the process with a
/// bus error; write a new file and rename it instead.</remarks>
public sealed class Gpt2Model : ICausalLanguageModel
{
    private readonly Gpt2Weights _weights;
    private readonly string _folder;
    private readonly WorkerTeamPool _teams;
    private readonly NativeBufferPool _caches = new();
    private readonly NativeBufferPool _scratch = new();
    private int _disposed;
    private int _leases;

    private Gpt2Model(string folder, string name, Gpt2Config config, Gpt2Weights weights, int threads, long memoryBudget)
    {
        _folder = folder;
        Config = config;
        _weights = weights;
        Threads = threads;
        MemoryBudgetBytes = memoryBudget;
        _teams = new WorkerTeamPool(threads);
        Info = new ModelInfo
        {
            Name = name,
            VocabSize = config.VocabSize,
            ContextLength = config.ContextLength,
            HiddenSize = config.HiddenSize,
            EosTokenIds = config.EosTokenIds,
            BosTokenId = config.BosTokenId,
            PadTokenId = config.PadTokenId,
            GenerationConfigJson = config.GenerationConfigJson,
        };
    }

    /// <inheritdoc/>
    public ModelInfo Info { get; }

    /// <summary>The checkpoint's configuration.</summary>
    public Gpt2Config Config { get; }

    /// <summary>Threads each forward pass uses (the calling thread included).</summary>
    public int Threads { get; }

    /// <summary>The most bytes one session may take (<see cref="ModelLoadOptions.MemoryBudgetBytes"/>).</summary>
    public long MemoryBudgetBytes { get; }

    /// <summary>Number of parameters (a tied output layer counted once).</summary>
    public long ParameterCount => _weights.ParameterCount;

    /// <summary>The dtypes the weights were stored in (<c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>I8</c>).</summary>
    public IReadOnlyList<SafeTensorsDType> StoredDTypes => [.. _weights.StoredDTypes.Order()];

    /// <summary>The formats the weight matrices are computed from (<c>f32</c>, <c>bf16</c>, <c>f16</c>, <c>q8</c>), joined
    /// with <c>+</c> when they differ; arithmetic is fp32 either way.</summary>
    public string DType => string.Join("+", _weights.Formats.Select(WeightFormats.Name));

    /// <summary>Bytes of the memory-mapped checkpoint files still in use; matrices in their stored format are used from the
    /// mapping without a copy.</summary>
    public long MappedBytes => _weights.MappedBytes;

    /// <summary>Bytes of native memory holding matrices converted from the format they were stored in.</summary>
    public long ConvertedBytes => _weights.ConvertedBytes;

    /// <summary>Bytes the weights take in memory as computed (matrices in their format, scales included, and fp32 vectors).</summary>
    public long WeightBytes => _weights.WeightBytes;

    /// <summary>The register width the kernels run with; tests force narrower ones.</summary>
    internal SimdWidth SimdWidth { get; init; } = SimdWidth.Auto;

    /// <summary>Loads the checkpoint in <paramref name="folder"/>: <c>config.json</c> (and <c>generation_config.json</c>), and
    /// <c>model.safetensors</c> or the shards of <c>model.safetensors.index.json</c>.</summary>
    /// <param name="folder">The checkpoint folder.</param>
    /// <param name="options">Threads, weight format and progress; null for every core, the stored format and no progress.</param>
    /// <exception cref="ModelLoadException">A file is missing or malformed, or the format is unknown; the message names the
    /// file, tensor, key or value.</exception>
    public static Gpt2Model FromPretrained(string folder, ModelLoadOptions? options = null) => Load(folder, options, SimdWidth.Auto);

    /// <summary>Loads with the kernels forced to <paramref name="width"/> (tests of every path).</summary>
    internal static Gpt2Model Load(string folder, ModelLoadOptions? options, SimdWidth width)
    {
        ArgumentNullException.ThrowIfNull(folder);
        int threads = options?.Threads ?? Environment.ProcessorCount;
        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), threads, "ModelLoadOptions.Threads must be at least 1.");
        }

        long budget = options?.MemoryBudgetBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (budget <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), budget, "ModelLoadOptions.MemoryBudgetBytes must be positive.");
        }

        var format = ParseDType(options?.DType);
        options?.Progress?.Report((0, "reading config.json"));
        var config = Gpt2Config.Load(folder);
        var weights = Gpt2Weights.Load(folder, config, format, options?.Progress);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return new Gpt2Model(full, Path.GetFileName(full), config, weights, threads, budget) { SimdWidth = width };
    }

    /// <summary>Writes the model as a checkpoint folder, with its weights in the formats they are computed from:
    /// <c>model.safetensors</c> (a q8 matrix as <c>I8</c> data and its <c>F32</c> scales under <c>key.q8_scales</c>, shape
    /// <c>[rows, columns / 32]</c>), and the source folder's <c>config.json</c>, <c>generation_config.json</c> and tokenizer
    /// files. Loading the folder uses the weights as written, without converting them again.</summary>
    /// <param name="folder">The folder to write (created if missing; must not be the source folder).</param>
    /// <exception cref="IOException">The folder is the model's own, or cannot be written.</exception>
    public void Save(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        using var lease = Lease();
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (string.Equals(target, _folder, StringComparison.Ordinal))
        {
            throw new IOException($"{folder}: a model cannot be saved over the checkpoint it is mapped from.");
        }

        Directory.CreateDirectory(target);
        foreach (string file in (string[])["config.json", "generation_config.json", "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"])
        {
            string source = Path.Combine(_folder, file);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(target, file), overwrite: true);
            }
        }

        File.Delete(Path.Combine(target, SafeTensorsCheckpoint.IndexFileName));
        SafeTensorsWriter.Write(Path.Combine(target, SafeTensorsCheckpoint.SingleFileName), _weights.Entries(),
            new Dictionary<string, string> { ["format"] = "pt", ["gpt2kit_dtype"] = DType });
    }

    /// <summary>The values <see cref="ModelLoadOptions.DType"/> accepts: <c>auto</c> (as stored), <c>f32</c>, <c>bf16</c>, <c>f16</c>, <c>q8</c>.</summary>
    public static IReadOnlyList<string> SupportedDTypes { get; } = ["auto", "f32", "bf16", "f16", "q8"];

    /// <summary>The weight format <paramref name="dtype"/> names, or null for the stored one.</summary>
    /// <exception cref="ModelLoadException">Not a format this backend computes with.</exception>
    internal static WeightFormat? ParseDType(string? dtype) =>
        string.IsNullOrWhiteSpace(dtype) || dtype.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? null
            : WeightFormats.TryParse(dtype)
                ?? throw new ModelLoadException($"ModelLoadOptions.DType: '{dtype}' is not a weight format of the gpt2 backend; expected auto, {WeightFormats.Names}.");

    /// <summary>Bytes a session of this shape allocates: its KV cache and scratch.</summary>
    /// <exception cref="OverflowException">The size does not fit in 64 bits.</exception>
    public long SessionBytes(int rows, int capacity) => checked(
        KeyValueCache.ByteSize(rows, capacity, Config.LayerCount, Config.HiddenSize)
        + (Gpt2Session.ScratchFloats(Config, rows, capacity, Threads) * sizeof(float)));

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range, or the session would need more memory than
    /// <see cref="MemoryBudgetBytes"/>; nothing is allocated then.</exception>
    public IModelSession CreateSession(int rows, int capacity)
    {
        if (rows <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be positive.");
        }

        if (capacity < 1 || capacity > Config.ContextLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity must be in 1..{Config.ContextLength} (n_positions).");
        }

        CheckMemory(rows, capacity);
        using var lease = Lease();
        var team = _teams.Rent();
        try
        {
            return new Gpt2Session(this, _weights, team, _caches, _scratch, rows, capacity);
        }
        catch
        {
            _teams.Return(team);
            throw;
        }
    }

    /// <summary>Waits for the forward passes in flight to end, then unmaps the checkpoint and frees pooled memory and threads.
    /// Sessions still open fail their next call with <see cref="ObjectDisposedException"/>; disposing them stays safe.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // A pass that took its lease before the flag was set finishes on intact weights; one that comes later sees the flag.
        SpinWait.SpinUntil(() => Volatile.Read(ref _leases) == 0);
        _teams.Dispose();
        _caches.Dispose();
        _scratch.Dispose();
        _weights.Dispose();
    }

    internal void ReturnTeam(WorkerTeam team) => _teams.Return(team);

    /// <summary>Keeps the weights mapped until the lease is disposed; throws when the model has been disposed.</summary>
    internal ModelLease Lease()
    {
        Interlocked.Increment(ref _leases);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Interlocked.Decrement(ref _leases);
            throw new ObjectDisposedException(nameof(Gpt2Model), "The model was disposed; its sessions can no longer run.");
        }

        return new ModelLease(this);
    }

    private void CheckMemory(int rows, int capacity)
    {
        long need;
        try
        {
            need = SessionBytes(rows, capacity);
            _ = checked(rows * capacity);
        }
        catch (OverflowException)
        {
            need = long.MaxValue;
        }

        if (need > MemoryBudgetBytes)
        {
            string needText = need == long.MaxValue ? "more than 2^63 bytes" : $"{need:N0} bytes";
            throw new ArgumentOutOfRangeException(nameof(rows), rows,
                $"a session of {rows} rows × {capacity} positions needs {needText} (KV cache and scratch), more than the memory budget of {MemoryBudgetBytes:N0} bytes (ModelLoadOptions.MemoryBudgetBytes); use fewer prompts, beams or return sequences, or a shorter max_length.");
        }
    }

    /// <summary>A forward pass in flight; see <see cref="Lease()"/>.</summary>
    internal readonly struct ModelLease(Gpt2Model model) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref model._leases);
    }
}

using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>A 64-byte-aligned block of floats outside the GC heap: converted weights, KV caches and scratch, which worker
/// threads address by pointer and which may be larger than an array can be.</summary>
/// <remarks>On Linux a block of 1 MiB or more is its own anonymous mapping, so disposing it gives the memory back to the
/// system at once (malloc would keep freed blocks below its 32 MiB threshold resident for the process's life: a
/// server that swaps models, or a benchmark that loads several formats, would carry the earlier ones' memory). Huge
/// pages are not asked for: scratch sized for the longest run but touched in part would become resident in 2 MiB
/// steps. Not thread-safe to dispose; reading
/// and writing disjoint parts from several threads is fine.</remarks>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private const long MappedThreshold = 1 << 20;
    private float* _pointer;
    private readonly bool _mapped;

    /// <summary>Allocates <paramref name="length"/> floats (contents undefined unless <paramref name="zero"/>).</summary>
    public NativeBuffer(long length, bool zero = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        nuint bytes = (nuint)Math.Max(1, length) * sizeof(float);
        void* mapped = OperatingSystem.IsLinux() && (long)bytes >= MappedThreshold ? AnonymousMapping.TryMap(bytes) : null;
        if (mapped is not null)
        {
            // Fresh mappings read as zeros.
            _pointer = (float*)mapped;
            _mapped = true;
            return;
        }

        _pointer = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        if (zero)
        {
            NativeMemory.Clear(_pointer, (nuint)length * sizeof(float));
        }
    }

    /// <summary>Whether the block is a mapping of its own (until disposed).</summary>
    public bool IsOwnMapping => _mapped && _pointer is not null;

    /// <summary>The number of floats.</summary>
    public long Length { get; }

    /// <summary>The first float.</summary>
    public float* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer is null, this);
            return _pointer;
        }
    }

    /// <summary>A span over floats <paramref name="start"/>..<paramref name="start"/>+<paramref name="length"/>.</summary>
    public Span<float> Slice(long start, int length)
    {
        if (start < 0 || length < 0 || start + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"[{start}, {start + length}) is outside the buffer of {Length} floats.");
        }

        return new Span<float>(Pointer + start, length);
    }

    /// <summary>Frees the memory.</summary>
    public void Dispose()
    {
        if (_pointer is null)
        {
            return;
        }

        if (_mapped)
        {
            AnonymousMapping.Unmap(_pointer, (nuint)Math.Max(1, Length) * sizeof(float));
        }
        else
        {
            NativeMemory.AlignedFree(_pointer);
        }

        _pointer = null;
    }
}

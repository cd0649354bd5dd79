using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>A 64-byte-aligned block of floats outside the GC heap: weights widened from F16/BF16, KV caches and
/// scratch, which worker threads address by pointer and which may be larger than an array can be.</summary>
/// <remarks>Not thread-safe to dispose; reading and writing disjoint parts from several threads is fine.</remarks>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private float* _pointer;

    /// <summary>Allocates <paramref name="length"/> floats (contents undefined unless <paramref name="zero"/>).</summary>
    public NativeBuffer(long length, bool zero = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _pointer = (float*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, length) * sizeof(float), 64);
        if (zero)
        {
            NativeMemory.Clear(_pointer, (nuint)length * sizeof(float));
        }
    }

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
        if (_pointer is not null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}

using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Model;

/// <summary>Private anonymous memory mappings on Linux (mmap / munmap from libc), for <see cref="NativeBuffer"/>.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static unsafe partial class AnonymousMapping
{
    private const int ProtectReadWrite = 0x1 | 0x2;
    private const int MapPrivateAnonymous = 0x02 | 0x20;

    /// <summary>A fresh zero-filled mapping of <paramref name="bytes"/>, page-aligned, or null where the system refuses one
    /// (the caller then allocates another way).</summary>
    public static void* TryMap(nuint bytes)
    {
        void* address = Mmap(null, bytes, ProtectReadWrite, MapPrivateAnonymous, -1, 0);
        if (address == (void*)-1)
        {
            return null;
        }

        return address;
    }

    /// <summary>Returns a mapping made by <see cref="TryMap"/> to the system.</summary>
    public static void Unmap(void* address, nuint bytes)
    {
        if (Munmap(address, bytes) != 0)
        {
            throw new InvalidOperationException($"munmap failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int descriptor, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(void* address, nuint length);
}

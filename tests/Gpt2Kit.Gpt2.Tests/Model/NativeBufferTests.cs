using System.Globalization;
using Gpt2Kit.Gpt2.Model;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>Native blocks: aligned and zeroed when asked; on Linux a block of 1 MiB or more is its own mapping, which
/// disposing removes from the process at once (so a disposed model's converted weights leave the working set).</summary>
public sealed unsafe class NativeBufferTests
{
    [Theory]
    [InlineData(1000L)]
    [InlineData(16L << 20)]
    public void A_buffer_is_aligned_zeroed_and_writable(long floats)
    {
        using var buffer = new NativeBuffer(floats, zero: true);

        ((nint)buffer.Pointer % 64).Should().Be(0);
        var last = buffer.Slice(floats - 1000, 1000);
        last.ToArray().Should().OnlyContain(v => v == 0f);
        last.Fill(1.5f);
        buffer.Pointer[floats - 1].Should().Be(1.5f);
    }

    [Fact]
    public void A_large_buffer_is_unmapped_when_disposed()
    {
        var buffer = new NativeBuffer(1L << 19);
        nint address = (nint)buffer.Pointer;
        buffer.Pointer[(1L << 19) - 1] = 1f;
        bool mappedBefore = IsMapped(address);
        buffer.Dispose();

        if (OperatingSystem.IsLinux())
        {
            mappedBefore.Should().BeTrue();
            IsMapped(address).Should().BeFalse("the 2 MiB block (below malloc's own mapping threshold) was its own mapping, and disposing it unmapped it");
        }

        FluentActions.Invoking(() => buffer.Slice(0, 1)).Should().Throw<ObjectDisposedException>();
    }

    // Whether /proc/self/maps lists a mapping that holds the address (false where there is no /proc).
    private static bool IsMapped(nint address)
    {
        if (!File.Exists("/proc/self/maps"))
        {
            return false;
        }

        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string[] range = line[..line.IndexOf(' ', StringComparison.Ordinal)].Split('-');
            ulong start = ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong end = ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if ((ulong)address >= start && (ulong)address < end)
            {
                return true;
            }
        }

        return false;
    }
}

using Gpt2Kit.Gpt2.Model;

namespace Gpt2Kit.Gpt2.Tests.Model;

/// <summary>Native blocks: aligned and zeroed when asked; on Linux a block of 1 MiB or more is its own mapping, which
/// disposing unmaps (munmap failing would throw), so a disposed model's converted weights leave the working set.</summary>
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

    [Theory]
    [InlineData(1L << 19, true)]
    [InlineData(1000L, false)]
    public void On_linux_a_block_of_a_mebibyte_or_more_is_its_own_mapping(long floats, bool ownMapping)
    {
        var buffer = new NativeBuffer(floats);
        buffer.Pointer[floats - 1] = 1f;

        buffer.IsOwnMapping.Should().Be(ownMapping && OperatingSystem.IsLinux());
        buffer.Dispose();
        buffer.IsOwnMapping.Should().BeFalse();
        FluentActions.Invoking(() => buffer.Slice(0, 1)).Should().Throw<ObjectDisposedException>();
    }
}

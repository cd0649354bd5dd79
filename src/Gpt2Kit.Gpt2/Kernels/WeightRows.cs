using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gpt2Kit.Gpt2.Kernels;

/// <summary>Reads rows of a weight matrix as fp32: embedding lookups (<c>wte</c>, <c>wpe</c>) and widening a tensor that
/// is computed in another format than it is stored in.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class WeightRows
{
    /// <summary>Writes row <paramref name="row"/> of <paramref name="weight"/> into <paramref name="destination"/>, or adds it
    /// to what is there when <paramref name="accumulate"/>.</summary>
    public static void Read(WeightSpan weight, int row, Span<float> destination, bool accumulate = false, SimdWidth width = SimdWidth.Auto)
    {
        KernelArguments.RequireRange(row, row + 1, weight.Rows, nameof(row));
        KernelArguments.RequireLength(destination.Length, weight.Columns, nameof(destination));
        SimdDispatch.Run(new Kernel(weight, row, destination, accumulate), weight, width);
    }

    private readonly ref struct Kernel(WeightSpan weight, int row, Span<float> destination, bool accumulate) : IWeightKernel
    {
        private readonly WeightSpan _weight = weight;
        private readonly Span<float> _destination = destination;

        public void Run<TFormat, TVec>()
            where TFormat : struct, IWeightFormat
            where TVec : struct, ISimdVector<TVec>
        {
            ref byte w = ref _weight.DataReference;
            ref float s = ref _weight.ScalesReference;
            ref float y = ref MemoryMarshal.GetReference(_destination);
            nuint columns = (nuint)_weight.Columns;
            nuint start = TFormat.Offset((nuint)row, 0, columns);
            int c = 0;
            for (; c + TVec.Count <= _weight.Columns; c += TVec.Count)
            {
                var value = TFormat.Widen<TVec>(ref w, ref s, start + TFormat.Offset(0, (nuint)c, columns));
                TVec.Store(accumulate ? TVec.Add(value, TVec.Load(ref y, (nuint)c)) : value, ref y, (nuint)c);
            }

            for (; c < _weight.Columns; c++)
            {
                float value = TFormat.Get(ref w, ref s, start + TFormat.Offset(0, (nuint)c, columns));
                Unsafe.Add(ref y, c) = accumulate ? value + Unsafe.Add(ref y, c) : value;
            }
        }
    }
}

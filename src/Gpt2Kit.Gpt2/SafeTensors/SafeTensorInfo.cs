namespace Gpt2Kit.Gpt2.SafeTensors;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The key as written in the header.</param>
/// <param name="DType">The header's dtype name (any safetensors dtype; see <see cref="SafeTensorsDTypes"/>).</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Begin">Start of the data, relative to the end of the header.</param>
/// <param name="End">End of the data (exclusive), relative to the end of the header.</param>
/// <param name="File">The file that holds the tensor.</param>
internal sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End, string File)
{
    /// <summary>The number of elements (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, dim) => product * dim);

    /// <summary>The shape as <c>[a, b]</c> for messages.</summary>
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}

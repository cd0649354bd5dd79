using System.Text;
using System.Text.Json.Nodes;

namespace Gpt2Kit.Gpt2.SafeTensors;

/// <summary>A tensor to write: its header entry and a callback that writes exactly its bytes.</summary>
/// <param name="Name">The key.</param>
/// <param name="DType">The safetensors dtype name.</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="WriteData">Writes the tensor's little-endian bytes to the stream.</param>
internal sealed record SafeTensorsEntry(string Name, string DType, long[] Shape, Action<Stream> WriteData)
{
    /// <summary>The number of bytes the tensor takes.</summary>
    public long ByteLength => Shape.Aggregate(1L, (product, dim) => product * dim) * SafeTensorsDTypes.ElementSize(DType);
}

/// <summary>Writes <c>.safetensors</c> files: the header (padded with spaces to 8 bytes, as the reference writer does),
/// then each tensor's data in header order.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class SafeTensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">A callback wrote a different number of bytes than its shape and dtype need.</exception>
    public static void Write(string path, IReadOnlyList<SafeTensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is not null)
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata)
            {
                meta[key] = value;
            }

            header["__metadata__"] = meta;
        }

        long offset = 0;
        foreach (var tensor in tensors)
        {
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.DType,
                ["shape"] = new JsonArray([.. tensor.Shape.Select(d => (JsonNode?)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + tensor.ByteLength),
            };
            offset += tensor.ByteLength;
        }

        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        stream.Write(BitConverter.IsLittleEndian ? BitConverter.GetBytes((ulong)padded) : BitConverter.GetBytes((ulong)padded).Reverse().ToArray());
        stream.Write(json);
        for (int i = json.Length; i < padded; i++)
        {
            stream.WriteByte((byte)' ');
        }

        foreach (var tensor in tensors)
        {
            long start = stream.Position;
            tensor.WriteData(stream);
            if (stream.Position - start != tensor.ByteLength)
            {
                throw new InvalidOperationException($"Tensor '{tensor.Name}' wrote {stream.Position - start} bytes; its shape and dtype need {tensor.ByteLength}.");
            }
        }
    }
}

using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text.Json;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;

namespace Gpt2Kit.Gpt2.SafeTensors;

/// <summary>One memory-mapped <c>.safetensors</c> file: the validated header and a pointer to the data, which stays
/// valid until the file is disposed.</summary>
/// <remarks>Read-only after <see cref="Open"/>; thread-safe. The format is an 8-byte little-endian header length, a JSON
/// header <c>{name: {dtype, shape, data_offsets}}</c> and the data, with offsets relative to the end of the header.</remarks>
internal sealed unsafe class SafeTensorsFile : IDisposable
{
    /// <summary>Headers larger than this are not safetensors files (the format's own limit is 100 MB).</summary>
    private const long MaxHeaderLength = 100_000_000;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private int _disposed;

    private SafeTensorsFile(string path, long length, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePointer, long dataStart, Dictionary<string, SafeTensorInfo> tensors)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _base = basePointer;
        _dataStart = dataStart;
        Tensors = tensors;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The file's size in bytes.</summary>
    public long Length { get; }

    /// <summary>The tensors of the header (the <c>__metadata__</c> entry left out), by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>Maps <paramref name="path"/> and validates its header: lengths, UTF-8, JSON, dtypes, shapes against byte
    /// sizes, and tensors that cover the data section exactly (no overlap, no gap, nothing after the last).</summary>
    /// <exception cref="ModelLoadException">The file is missing, truncated or malformed; the message names the file and tensor.</exception>
    public static SafeTensorsFile Open(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ModelLoadException($"{path} was not found.");
        }

        // Hugging Face cache snapshots are symbolic links into blobs/: the size that matters is the target's, not the link's.
        if (info.LinkTarget is not null)
        {
            info = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
            if (!info.Exists)
            {
                throw new ModelLoadException($"{path} is a link to {info.FullName}, which was not found.");
            }
        }

        long length = info.Length;
        if (length < 8)
        {
            throw new ModelLoadException($"{path} is truncated: {length} bytes, but a safetensors file starts with an 8-byte header length.");
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            // The map owns the stream: on Unix the mapping is made from its handle when the view is created.
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            try
            {
                map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            }
            catch
            {
                stream.Dispose();
                throw;
            }

            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            acquired = true;
            pointer += view.PointerOffset;

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(pointer, 8));
            if (headerLength > (ulong)(length - 8))
            {
                throw new ModelLoadException($"{path}: the header length {headerLength} runs past the end of the file ({length} bytes); the file is truncated or not a safetensors file.");
            }

            if ((long)headerLength > MaxHeaderLength)
            {
                throw new ModelLoadException($"{path}: the header length {headerLength} is larger than {MaxHeaderLength} bytes; not a safetensors file.");
            }

            long dataStart = 8 + (long)headerLength;
            var header = new ReadOnlySpan<byte>(pointer + 8, (int)headerLength).ToArray();
            var tensors = ParseHeader(header, path, length - dataStart);
            var file = new SafeTensorsFile(path, length, map, view, pointer, dataStart, tensors);
            return file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Release(map, view, acquired);
            throw new ModelLoadException($"{path} could not be read: {e.Message}", e);
        }
        catch
        {
            Release(map, view, acquired);
            throw;
        }
    }

    /// <summary>The first byte of a tensor's data.</summary>
    public byte* DataPointer(SafeTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _base + _dataStart + tensor.Begin;
    }

    /// <summary>Unmaps the file; pointers handed out become invalid.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release(_map, _view, acquired: true);
        }
    }

    private static void Release(MemoryMappedFile? map, MemoryMappedViewAccessor? view, bool acquired)
    {
        if (view is not null && acquired)
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }

        view?.Dispose();
        map?.Dispose();
    }

    private static Dictionary<string, SafeTensorInfo> ParseHeader(byte[] header, string path, long dataLength)
    {
        // Tensor names are header keys: the header must be UTF-8 so that every name is one exact string.
        if (Utf8Validation.FirstInvalidByte(header) is int at and >= 0)
        {
            throw new ModelLoadException($"{path}: the header is not valid UTF-8 (first bad byte at header offset {at}); tensor names must be UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: the header is not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException($"{path}: the header must be a JSON object, got {document.RootElement.ValueKind}.");
            }

            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    continue;
                }

                var tensor = ParseEntry(property, path, dataLength);
                if (!tensors.TryAdd(tensor.Name, tensor))
                {
                    throw new ModelLoadException($"{path}: tensor '{tensor.Name}' appears twice in the header.");
                }
            }

            CheckCoverage(tensors.Values, path, dataLength);
            return tensors;
        }
    }

    private static SafeTensorInfo ParseEntry(JsonProperty property, string path, long dataLength)
    {
        string name = property.Name;
        var entry = property.Value;
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException($"{path}: tensor '{name}' must be an object with dtype, shape and data_offsets.");
        }

        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new ModelLoadException($"{path}: tensor '{name}' has no dtype string.");
        }

        string dtype = dtypeElement.GetString()!;
        int elementSize = SafeTensorsDTypes.ElementSize(dtype);
        if (elementSize == 0)
        {
            throw new ModelLoadException($"{path}: tensor '{name}' has the unknown dtype '{dtype}'; safetensors dtypes are BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64.");
        }

        long[] shape = ReadNonNegativeLongs(entry, "shape", name, path, expectedCount: null);
        long[] offsets = ReadNonNegativeLongs(entry, "data_offsets", name, path, expectedCount: 2);
        long begin = offsets[0], end = offsets[1];
        if (end < begin)
        {
            throw new ModelLoadException($"{path}: tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin.");
        }

        if (end > dataLength)
        {
            throw new ModelLoadException($"{path}: tensor '{name}' has data_offsets [{begin}, {end}] beyond the end of the data ({dataLength} bytes); the file is truncated or corrupt.");
        }

        long expectedBytes;
        try
        {
            expectedBytes = checked(shape.Aggregate(1L, (product, dim) => checked(product * dim)) * elementSize);
        }
        catch (OverflowException)
        {
            throw new ModelLoadException($"{path}: tensor '{name}' has an impossibly large shape [{string.Join(", ", shape)}].");
        }

        if (expectedBytes != end - begin)
        {
            throw new ModelLoadException($"{path}: tensor '{name}' of shape [{string.Join(", ", shape)}] and dtype {dtype} needs {expectedBytes} bytes, but its data_offsets [{begin}, {end}] span {end - begin}.");
        }

        return new SafeTensorInfo(name, dtype, shape, begin, end, path);
    }

    private static long[] ReadNonNegativeLongs(JsonElement entry, string key, string name, string path, int? expectedCount)
    {
        if (!entry.TryGetProperty(key, out var array) || array.ValueKind != JsonValueKind.Array
            || (expectedCount is int count && array.GetArrayLength() != count))
        {
            string what = expectedCount is int n ? $"an array of {n} non-negative integers" : "an array of non-negative integers";
            throw new ModelLoadException($"{path}: tensor '{name}' must have {key} as {what}.");
        }

        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
            {
                throw new ModelLoadException($"{path}: tensor '{name}' has {key} entry {item.GetRawText()}; expected a non-negative integer.");
            }

            values[i++] = value;
        }

        return values;
    }

    // As the safetensors reference does: sorted by offset, the tensors tile the data section exactly, with no overlap, no
    // gap and nothing after the last one. Bytes that belong to no tensor mean the header does not describe the file.
    private static void CheckCoverage(IEnumerable<SafeTensorInfo> tensors, string path, long dataLength)
    {
        SafeTensorInfo? previous = null;
        long covered = 0;
        string? gap = null;
        foreach (var tensor in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            // Overlaps are reported before gaps: moving one tensor onto another leaves both, and the overlap is the cause.
            if (tensor.Begin < covered)
            {
                throw new ModelLoadException($"{path}: tensors '{previous!.Name}' [{previous.Begin}, {previous.End}] and '{tensor.Name}' [{tensor.Begin}, {tensor.End}] overlap.");
            }

            if (tensor.Begin > covered)
            {
                gap ??= $"{path}: bytes [{covered}, {tensor.Begin}) of the data section belong to no tensor (before '{tensor.Name}'); the header does not describe the file.";
            }

            covered = tensor.End;
            previous = tensor;
        }

        if (gap is not null)
        {
            throw new ModelLoadException(gap);
        }

        if (covered != dataLength)
        {
            throw new ModelLoadException($"{path}: the tensors cover {covered} bytes of the data section, but it holds {dataLength}; the header does not describe the file.");
        }
    }
}

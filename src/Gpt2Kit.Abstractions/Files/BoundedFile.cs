namespace Gpt2Kit.Files;

/// <summary>Reads small input files (configurations, vocabularies, indexes) with a size limit, so that a huge file, a pipe
/// or a device such as <c>/dev/zero</c> ends in a clear error instead of exhausting memory or waiting forever. The one
/// place such files are read: the GPT-2 backend's configuration, index and tokenizer files, the host's
/// <c>generation_config.json</c> reader and the CLI's <c>--config @file</c>; plugins may use it for their own files.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
public static class BoundedFile
{
    /// <summary>The limit for JSON settings: <c>config.json</c>, <c>generation_config.json</c>, a shard index, a <c>--config</c> file (16 MiB).</summary>
    public const long MaxSettingsBytes = 16L << 20;

    /// <summary>The limit for tokenizer files: <c>vocab.json</c>, <c>merges.txt</c>, <c>tokenizer.json</c> (512 MiB).</summary>
    public const long MaxTokenizerBytes = 512L << 20;

    /// <summary>The bytes of <paramref name="path"/>, which must be a regular file of 1 to <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty, not a regular file, or larger than the limit; the message names it.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"'{path}' does not exist.", path);
        }

        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target)
        {
            info = target;
        }

        // Pipes, devices and /proc files report no length and may never end (or never open): only regular files with a size are read.
        if (info.Length == 0)
        {
            throw new InvalidDataException($"'{path}' is empty or not a regular file (a pipe or a device); expected a file of 1 to {maxBytes} bytes.");
        }

        if (info.Length > maxBytes)
        {
            throw new InvalidDataException($"'{path}' is {info.Length} bytes; the limit for this file is {maxBytes} bytes.");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        var buffer = new byte[info.Length];
        int read = 0;
        while (read < buffer.Length && stream.Read(buffer, read, buffer.Length - read) is int n and > 0)
        {
            read += n;
        }

        // The file may have changed since it was measured: a shorter file is read as it is, a longer one is refused.
        if (stream.ReadByte() >= 0)
        {
            throw new InvalidDataException($"'{path}' grew while it was read; the limit for this file is {maxBytes} bytes.");
        }

        return read == buffer.Length ? buffer : buffer[..read];
    }

    /// <summary>The text of <paramref name="path"/> (UTF-8), read as by <see cref="ReadAllBytes"/>.</summary>
    public static string ReadAllText(string path, long maxBytes)
    {
        var bytes = ReadAllBytes(path, maxBytes).AsSpan();
        return System.Text.Encoding.UTF8.GetString(bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes);
    }
}

// An MSBuild task (compiled by RoslynCodeTaskFactory, see LibTorchSharpGlibcxx.targets): marks the symbol-version
// requirements that an ELF shared library has on Library (libstdc++.so.6) weak, for each version this machine's copy of
// Library does not define. Only the flags of those version-need entries change; the file is rewritten through a
// temporary file so that a hard link to the NuGet cache is never modified in place.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class Gpt2KitWeakenElfVersionNeeds : Task
{
    private const uint VersionDefinitions = 0x6ffffffd; // SHT_GNU_verdef
    private const uint VersionNeeds = 0x6ffffffe;       // SHT_GNU_verneed
    private const ushort WeakFlag = 0x2;                // VER_FLG_WEAK

    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    [Required]
    public string Library { get; set; } = "";

    [Required]
    public string Mode { get; set; } = "auto";

    public override bool Execute()
    {
        if (!string.Equals(Mode, "auto", StringComparison.OrdinalIgnoreCase))
        {
            Log.LogError($"Gpt2KitPatchLibTorchSharp is '{Mode}'; expected auto (patch only when needed) or false (never).");
            return false;
        }

        string systemLibrary = FindSystemLibrary();
        if (systemLibrary == null)
        {
            Log.LogWarning($"{Library} was not found on this machine, so the version needs of {string.Join(", ", Files.Select(f => f.ItemSpec))} were left as they are.");
            return true;
        }

        HashSet<string> provided;
        try
        {
            provided = new HashSet<string>(ReadVersionDefinitions(File.ReadAllBytes(systemLibrary)), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
        {
            Log.LogWarning($"{systemLibrary}: its version definitions could not be read ({e.Message}); nothing was patched.");
            return true;
        }

        foreach (var item in Files)
        {
            string path = item.ItemSpec;
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                byte[] image = File.ReadAllBytes(path);
                var weakened = WeakenMissing(image, provided);
                if (weakened.Count == 0)
                {
                    Log.LogMessage(MessageImportance.Low, $"{path}: every {Library} version it needs is defined by {systemLibrary}; left as it is.");
                    continue;
                }

                string temporary = path + ".gpt2kit-tmp";
                File.WriteAllBytes(temporary, image);
                File.Copy(temporary, path, overwrite: true);
                File.Delete(temporary);
                Log.LogMessage(MessageImportance.High,
                    $"{Path.GetFileName(path)}: {systemLibrary} lacks {string.Join(", ", weakened)}; marked that requirement weak so the library loads on this system ({path}).");
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError($"{path}: could not mark its {Library} version needs weak: {e.Message}");
                return false;
            }
        }

        return true;
    }

    // The copy the running process has mapped (MSBuild runs on the same .NET host as the tests and the CLI), else the
    // usual library folders.
    private string FindSystemLibrary()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash >= 0 && Path.GetFileName(line.Substring(slash)) == Library && File.Exists(line.Substring(slash)))
                {
                    return line.Substring(slash);
                }
            }
        }
        catch (IOException)
        {
        }

        string[] folders =
        {
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        };
        return folders.Select(f => Path.Combine(f, Library)).FirstOrDefault(File.Exists);
    }

    private static List<string> ReadVersionDefinitions(byte[] image)
    {
        var names = new List<string>();
        foreach (var section in Sections(image).Where(s => s.Type == VersionDefinitions))
        {
            var strings = Sections(image)[section.Link];
            long entry = section.Offset;
            for (int i = 0; i < section.Info; i++)
            {
                uint count = U16(image, entry + 6), aux = U32(image, entry + 12), next = U32(image, entry + 16);
                if (count > 0)
                {
                    names.Add(CString(image, strings.Offset + U32(image, entry + aux)));
                }

                if (next == 0)
                {
                    break;
                }

                entry += next;
            }
        }

        return names;
    }

    private List<string> WeakenMissing(byte[] image, HashSet<string> provided)
    {
        var weakened = new List<string>();
        foreach (var section in Sections(image).Where(s => s.Type == VersionNeeds))
        {
            var strings = Sections(image)[section.Link];
            long need = section.Offset;
            for (int i = 0; i < section.Info; i++)
            {
                uint count = U16(image, need + 2), file = U32(image, need + 4), aux = U32(image, need + 8), next = U32(image, need + 12);
                if (CString(image, strings.Offset + file) == Library)
                {
                    long entry = need + aux;
                    for (int j = 0; j < count; j++)
                    {
                        ushort flags = U16(image, entry + 4);
                        string name = CString(image, strings.Offset + U32(image, entry + 8));
                        if (!provided.Contains(name) && (flags & WeakFlag) == 0)
                        {
                            BitConverter.GetBytes((ushort)(flags | WeakFlag)).CopyTo(image, entry + 4);
                            weakened.Add(name);
                        }

                        uint nextAux = U32(image, entry + 12);
                        if (nextAux == 0)
                        {
                            break;
                        }

                        entry += nextAux;
                    }
                }

                if (next == 0)
                {
                    break;
                }

                need += next;
            }
        }

        return weakened;
    }

    private readonly struct Section
    {
        public Section(uint type, long offset, uint link, uint info)
        {
            Type = type;
            Offset = offset;
            Link = link;
            Info = info;
        }

        public uint Type { get; }

        public long Offset { get; }

        public uint Link { get; }

        public uint Info { get; }
    }

    // The section headers of a little-endian 64-bit ELF file.
    private static Section[] Sections(byte[] image)
    {
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (image[4] != 2 || image[5] != 1)
        {
            throw new InvalidDataException("not a little-endian 64-bit ELF file");
        }

        long offset = (long)BitConverter.ToUInt64(image, 0x28);
        int size = U16(image, 0x3A), count = U16(image, 0x3C);
        if (size < 64 || offset <= 0 || offset + ((long)size * count) > image.Length)
        {
            throw new InvalidDataException("the section header table lies outside the file");
        }

        var sections = new Section[count];
        for (int i = 0; i < count; i++)
        {
            long header = offset + ((long)i * size);
            sections[i] = new Section(U32(image, header + 4), (long)BitConverter.ToUInt64(image, (int)(header + 24)), U32(image, header + 40), U32(image, header + 44));
        }

        return sections;
    }

    private static ushort U16(byte[] image, long at) => at + 2 <= image.Length ? BitConverter.ToUInt16(image, (int)at) : throw new InvalidDataException($"offset {at} is outside the file");

    private static uint U32(byte[] image, long at) => at + 4 <= image.Length ? BitConverter.ToUInt32(image, (int)at) : throw new InvalidDataException($"offset {at} is outside the file");

    private static string CString(byte[] image, long at)
    {
        if (at < 0 || at >= image.Length)
        {
            throw new InvalidDataException($"string offset {at} is outside the file");
        }

        int end = Array.IndexOf(image, (byte)0, (int)at);
        return Encoding.ASCII.GetString(image, (int)at, (end < 0 ? image.Length : end) - (int)at);
    }
}

using Gpt2Kit.Models;
using TorchSharp;

namespace Gpt2Kit.TorchSharp;

/// <summary>Loading libtorch and choosing the device, with errors that say what to install instead of TorchSharp's
/// own (which, for a missing libstdc++ version, wrongly blames a missing package reference).</summary>
/// <remarks>Stateless apart from libtorch's own process-wide state; thread-safe.</remarks>
internal static class TorchRuntime
{
    /// <summary>The CPU libtorch package this repository's tests and CLI use (Linux x64).</summary>
    public const string CpuPackage = "libtorch-cpu-linux-x64";

    /// <summary>The CUDA libtorch package matching TorchSharp 0.107 on Linux (TorchSharp-cuda-linux bundles it).</summary>
    public const string CudaPackage = "libtorch-cuda-12.8-linux-x64";

    /// <summary>The libtorch version TorchSharp 0.107 binds.</summary>
    public const string LibTorchVersion = "2.10.0";

    /// <summary>Makes sure libtorch is loaded.</summary>
    /// <exception cref="ModelLoadException">libtorch or TorchSharp's native shim could not be loaded.</exception>
    public static void EnsureLoaded()
    {
        try
        {
            _ = torch.get_num_threads();
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or EntryPointNotFoundException)
        {
            // TorchSharp blames a missing package whatever the cause; the loader's own message says what really failed.
            string cause = LoaderError() ?? Innermost(e).Message.Split('\n')[0].Trim();
            throw new ModelLoadException(
                $"libtorch could not be loaded: {cause} The application must reference a libtorch {LibTorchVersion} package " +
                $"next to TorchSharp: {CpuPackage} for the CPU, or {CudaPackage} for NVIDIA GPUs. On Linux, TorchSharp 0.107's " +
                "libLibTorchSharp.so also needs libstdc++ with GLIBCXX_3.4.32 (GCC 13; Ubuntu 24.04, Debian 13); on older systems build " +
                "with this repository's build/LibTorchSharpGlibcxx.targets, which marks that requirement weak.", e);
        }
    }

    // The dynamic loader's message for TorchSharp's native shim next to the application, if loading it fails.
    private static string? LoaderError()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so"),
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
        ];
        foreach (string path in candidates.Where(File.Exists))
        {
            try
            {
                System.Runtime.InteropServices.NativeLibrary.Load(path);
                return null;
            }
            catch (DllNotFoundException e)
            {
                return e.Message.Trim();
            }
            catch (BadImageFormatException e)
            {
                return e.Message.Trim();
            }
        }

        return null;
    }

    /// <summary>Resolves a device name: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</summary>
    /// <exception cref="ModelLoadException">The name is unknown, or CUDA is asked for and not available (only <c>auto</c> falls back).</exception>
    public static torch.Device ResolveDevice(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string text = name.Trim().ToLowerInvariant();
        EnsureLoaded();
        if (text == "cpu")
        {
            return torch.CPU;
        }

        if (text == "auto")
        {
            return torch.cuda.is_available() ? new torch.Device(DeviceType.CUDA, 0) : torch.CPU;
        }

        int index = 0;
        if (text != "cuda" && !(text.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(text.AsSpan(5), out index) && index >= 0))
        {
            throw new ModelLoadException($"device '{name}' is not known; expected cpu, cuda, cuda:N (N = 0, 1, …) or auto.");
        }

        if (!torch.cuda.is_available())
        {
            throw new ModelLoadException(
                $"device '{name}': CUDA is not available to libtorch in this process. Reference the CUDA libtorch package {CudaPackage} " +
                $"{LibTorchVersion} (or TorchSharp-cuda-linux 0.107.0) instead of {CpuPackage}, and run on a machine with an NVIDIA GPU and " +
                "its driver (CUDA 12.8 capable); or use --device cpu or auto.");
        }

        int count = torch.cuda.device_count();
        if (index >= count)
        {
            throw new ModelLoadException($"device '{name}': this machine has {count} CUDA device(s) (cuda:0..cuda:{count - 1}).");
        }

        return new torch.Device(DeviceType.CUDA, index);
    }

    /// <summary>libtorch's element type for a <see cref="TorchDType"/>.</summary>
    public static torch.ScalarType ScalarType(TorchDType dtype) => dtype switch
    {
        TorchDType.F32 => torch.ScalarType.Float32,
        TorchDType.BF16 => torch.ScalarType.BFloat16,
        TorchDType.F16 => torch.ScalarType.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}

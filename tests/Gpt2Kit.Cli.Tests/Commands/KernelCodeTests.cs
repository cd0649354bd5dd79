using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Cli.Tests.Commands;

/// <summary>The machine code of the matrix kernels, read from the JIT's own listing while a child <c>gpt2kit bench</c> runs
/// every weight format: each per-register helper must be inlined into the loops that use it. When a caller exhausts the
/// JIT's inlining budget, the helpers become calls; results stay right and only the speed drops (f16 decoding once ran at
/// 0.43× f32 that way), so no other test would see it.</summary>
public sealed partial class KernelCodeTests
{
    private const string KernelNamespace = "Gpt2Kit.Gpt2.Kernels";

    [Theory]
    [InlineData("", "Simd")]
    [InlineData("128", "Simd128")]
    [InlineData("scalar", "SimdScalar")]
    public async Task Every_kernel_inlines_its_per_register_helpers(string simdWidth, string registerType)
    {
        string listing = await ListKernelCodeAsync(simdWidth);

        var methods = ListingHeader().Matches(listing).ToList();
        var names = methods.Select(m => m.Groups["name"].Value).ToList();
        // q8 layer weights load interleaved; row-major q8 (the embedding) runs in the output layer's kernel.
        foreach (var (kernel, format) in new[]
                 {
                     ("Conv1DStreaming", "F32Weights"), ("Conv1DStreaming", "BFloat16Weights"), ("Conv1DStreaming", "HalfWeights"),
                     ("Conv1DStreaming", "Q8InterleavedWeights"), ("RowDotProducts", "Q8Weights"),
                 })
        {
            // Guards against a listing that lacks the kernels (and so is free of calls).
            names.Should().Contain(n => n.StartsWith($"{KernelNamespace}.{kernel}+Kernel:Run[{KernelNamespace}.{format},{KernelNamespace}.{registerType}", StringComparison.Ordinal),
                $"the listing has {kernel} for {format}");
        }

        var helpers = InlinedHelpers();
        var calls = new List<string>();
        for (int i = 0; i < methods.Count; i++)
        {
            int end = i + 1 < methods.Count ? methods[i + 1].Index : listing.Length;
            string body = listing[methods[i].Index..end];
            calls.AddRange(CallTarget().Matches(body).Select(c => c.Groups["target"].Value)
                .Where(helpers.Contains)
                .Select(target => $"{names[i]} calls {target}"));
        }

        calls.Should().BeEmpty("every helper marked AggressiveInlining, and every member of a register type, is inlined into the kernels");
    }

    // Runs the CLI in a child process (the JIT reads its settings at start) with every method of the kernels compiled
    // fully optimized and listed, at the given register width (empty: the widest here).
    private static async Task<string> ListKernelCodeAsync(string simdWidth)
    {
        string listing = Path.Combine(Path.GetTempPath(), $"gpt2kit-jit-{Guid.NewGuid():N}.txt");
        string host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[]
                 {
                     typeof(CliApp).Assembly.Location, "bench", "--model", FixturePaths.Checkpoint("gpt2-tiny"), "--dtype", "all", "--threads", "1",
                     "--prefill-tokens", "32", "--prompt-tokens", "4", "--decode-tokens", "2", "--batches", "1,8",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GPT2KIT_SIMD_WIDTH"] = simdWidth;
        start.Environment["DOTNET_TieredCompilation"] = "0";
        start.Environment["DOTNET_JitDisasm"] = $"{KernelNamespace}.*:*";
        start.Environment["DOTNET_JitStdOutFile"] = listing;
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            process.ExitCode.Should().Be(0, await error + await output);
            return await File.ReadAllTextAsync(listing);
        }
        finally
        {
            File.Delete(listing);
        }
    }

    // "Namespace.Type:Method" of the kernels' helpers that must never be called: those marked AggressiveInlining, and
    // every method of the register types (whose members are one instruction or a few).
    private static HashSet<string> InlinedHelpers()
    {
        var types = typeof(Gpt2Kit.Gpt2.Gpt2Model).Assembly.GetTypes()
            .Where(t => t.Namespace == KernelNamespace && !t.IsGenericTypeDefinition && t.FullName is not null);
        var helpers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            bool registerType = type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition().Name == "ISimdVector`1");
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
            helpers.UnionWith(type.GetMethods(all)
                .Where(m => registerType || m.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveInlining))
                .Select(m => $"{type.FullName}:{m.Name}"));
        }

        helpers.Should().Contain($"{KernelNamespace}.Simd256:MultiplyAdd").And.Contain($"{KernelNamespace}.HalfWeights:Load");
        return helpers;
    }

    [GeneratedRegex(@"^; Assembly listing for method (?<name>\S+)", RegexOptions.Multiline)]
    private static partial Regex ListingHeader();

    // The target's "Namespace.Type:Method", without its type arguments and signature.
    [GeneratedRegex(@"\bcall\s+\[(?<target>[^\s(\[\]]+)")]
    private static partial Regex CallTarget();
}

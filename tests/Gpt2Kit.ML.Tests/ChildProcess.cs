using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;

namespace Gpt2Kit.ML.Tests;

/// <summary>This test assembly as a program: <c>load MODEL.zip</c> loads a saved pipeline in a process of its own, runs the
/// test prompts through it and prints one line per row (the generated text's escaped form and the log-probability in
/// round-trip form), so a test can compare with what the saving process computed.</summary>
public static class ChildProcess
{
    public static int Main(string[] args)
    {
        if (args is not ["load", var path])
        {
            Console.Error.WriteLine("usage: load MODEL.zip");
            return 2;
        }

        var ml = new MLContext(seed: 3);
        var model = ml.Model.LoadWithBatching(path, out _);
        var output = model.Transform(ml.Data.LoadFromEnumerable(TinyModel.Rows(TinyModel.Prompts)));
        foreach (var line in Lines(ml, output))
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    /// <summary>The lines <see cref="Main"/> prints for a pipeline's output.</summary>
    public static IEnumerable<string> Lines(MLContext ml, IDataView output) =>
        ml.Data.CreateEnumerable<Row>(output, reuseRowObject: false)
            .Select(r => $"{Uri.EscapeDataString(r.Generated)} {r.Logprob.ToString("R", CultureInfo.InvariantCulture)}");

    /// <summary>Runs <see cref="Main"/> in a new process and returns its output lines.</summary>
    public static string[] Run(string modelPath)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "exec", typeof(ChildProcess).Assembly.Location, "load", modelPath })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The child process did not finish in 3 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The child process failed ({process.ExitCode}): {stderr.Result}");
        }

        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public sealed class Row
    {
        public string Generated { get; set; } = "";

        public float Logprob { get; set; }
    }
}

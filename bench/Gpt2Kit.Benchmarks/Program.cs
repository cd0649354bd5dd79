using BenchmarkDotNet.Running;
using Gpt2Kit.Benchmarks;

// `soak [requests] [model]` runs the memory soak (SoakRun); anything else goes to the BenchmarkDotNet suites, picked
// with --filter, e.g. `dotnet run -c Release --project bench/Gpt2Kit.Benchmarks -- --filter *Tokenizer*`.
if (args.Length > 0 && args[0] == "soak")
{
    return await SoakRun.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

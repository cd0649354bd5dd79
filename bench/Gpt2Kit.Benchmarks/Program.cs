using BenchmarkDotNet.Running;

// BenchmarkDotNet suites; pick one with --filter, e.g. `dotnet run -c Release --project bench/Gpt2Kit.Benchmarks -- --filter *Tokenizer*`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

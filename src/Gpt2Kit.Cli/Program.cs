using System.CommandLine;
using Gpt2Kit.Cli;

return await CliApp.RunAsync(args, Console.Out, Console.Error);

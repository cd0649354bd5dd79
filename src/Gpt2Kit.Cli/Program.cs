using Gpt2Kit.Cli;

// Ctrl+C cancels the running command (generation stops within one step and prints what it has);
// a second Ctrl+C ends the process as usual.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};

return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token);

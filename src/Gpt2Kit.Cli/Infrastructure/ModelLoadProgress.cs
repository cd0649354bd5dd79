using Spectre.Console;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>Shows the backend's loading progress (<see cref="Models.ModelLoadOptions.Progress"/>: a fraction and the step,
/// e.g. the tensor being mapped) as a Spectre progress bar on stderr, cleared when the model is loaded. Only when stderr is
/// a terminal and the checkpoint is big (<see cref="CliContext.LoadProgressMinimumBytes"/>); never with <c>--json</c>.</summary>
/// <remarks>One per load. <see cref="Report"/> may come from any thread (Spectre's tasks are thread-safe); <see cref="Run"/>
/// is called once.</remarks>
internal sealed class ModelLoadProgress : IProgress<(double Fraction, string Step)>
{
    private volatile ProgressTask? _task;
    private string _name = "";

    /// <summary>Whether a load from <paramref name="folder"/> shows progress in <paramref name="context"/>.</summary>
    public static bool IsShown(CliContext context, string folder, bool json) =>
        !json && context.ErrorIsTerminal && CheckpointBytes(folder) >= context.LoadProgressMinimumBytes;

    /// <summary>The bytes of the checkpoint's safetensors files (through the Hugging Face cache's links).</summary>
    public static long CheckpointBytes(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        long total = 0;
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*.safetensors"))
        {
            var target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
            total += target is { Exists: true } ? target.Length : 0;
        }

        return total;
    }

    /// <summary>Runs <paramref name="load"/>, the load that reports to this object, with the progress bar when
    /// <see cref="IsShown"/>, else as is.</summary>
    public T Run<T>(CliContext context, string folder, bool json, Func<T> load)
    {
        if (!IsShown(context, folder, json))
        {
            return load();
        }

        _name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        var console = context.CreateConsole(context.Error);
        return console.Progress()
            .AutoClear(true)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape($"loading {_name}"), maxValue: 1);
                _task = task;
                try
                {
                    return load();
                }
                finally
                {
                    _task = null;
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            });
    }

    /// <inheritdoc/>
    public void Report((double Fraction, string Step) value)
    {
        if (_task is { } task)
        {
            task.Value = Math.Clamp(value.Fraction, 0, 1);
            // A steady width keeps the bar from jumping as the step names change.
            task.Description = Markup.Escape($"loading {_name}: {value.Step}".PadRight(_name.Length + 42));
        }
    }
}

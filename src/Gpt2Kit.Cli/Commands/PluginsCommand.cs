using System.CommandLine;
using Gpt2Kit.Cli.Infrastructure;
using Gpt2Kit.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Gpt2Kit.Cli.Commands;

/// <summary><c>gpt2kit plugins --plugins DIR [--json]</c>: loads the plugins of one or more folders the way a host does and
/// lists what each registered, and every plugin that failed with the reason.</summary>
internal static class PluginsCommand
{
    internal static Command Create(CliContext context)
    {
        var plugins = new Option<string[]>("--plugins")
        {
            Description = "A plugins folder (one subfolder per plugin); repeat the option for several folders.",
            Arity = ArgumentArity.OneOrMore,
            Required = true,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("plugins", "List the plugins in a folder: what each registers, and which failed to load and why.")
        {
            plugins,
            json,
        }.WithExamples(
            "gpt2kit plugins --plugins ./plugins",
            "gpt2kit plugins --plugins ./plugins --plugins ~/more-plugins --json");
        command.SetAction(parse => Run(context, parse.GetValue(plugins) ?? [], parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, string[] folders, bool json)
    {
        // The built-in components are registered first, so that a plugin reusing a built-in name is reported as it would be in a host.
        var builder = new ServiceCollection().AddGpt2Kit();
        PluginLoadReport? report = null;
        foreach (var folder in folders)
        {
            try
            {
                report = PluginLoader.LoadFrom(builder, folder);
            }
            catch (DirectoryNotFoundException e)
            {
                throw new CliException($"--plugins: {e.Message}");
            }
        }

        report ??= new PluginLoadReport();
        if (json)
        {
            CliJson.Write(context.Out, new
            {
                folders = report.Folders,
                plugins = report.Plugins.Select(p => new
                {
                    name = p.Name,
                    assembly = p.AssemblyName,
                    version = p.Version,
                    path = p.AssemblyPath,
                    registrations = p.Registrations.Select(r => new { name = r.Name, kind = KindName(r.Kind) }),
                }),
                failures = report.Failures.Select(f => new { plugin = f.Plugin, path = f.Path, reason = f.Reason }),
            });
            return ExitCodes.Success;
        }

        WriteText(context.Out, report);
        return ExitCodes.Success;
    }

    private static void WriteText(TextWriter output, PluginLoadReport report)
    {
        foreach (var folder in report.Folders)
        {
            output.WriteLine($"plugins folder: {folder}");
        }

        if (report.Plugins.Count == 0 && report.Failures.Count == 0)
        {
            output.WriteLine("no plugins found.");
        }

        foreach (var plugin in report.Plugins)
        {
            output.WriteLine($"{plugin.Name} ({plugin.AssemblyName} {plugin.Version}) {plugin.AssemblyPath}");
            foreach (var registration in plugin.Registrations)
            {
                output.WriteLine($"  {KindName(registration.Kind),-18} {registration.Name}");
            }
        }

        foreach (var failure in report.Failures)
        {
            output.WriteLine($"failed: {failure.Plugin} ({failure.Path}): {failure.Reason}");
        }

        output.Flush();
    }

    private static string KindName(PluginComponentKind kind) => kind switch
    {
        PluginComponentKind.Processor => "processor",
        PluginComponentKind.Warper => "warper",
        PluginComponentKind.Strategy => "strategy",
        PluginComponentKind.StoppingCriterion => "stopping",
        PluginComponentKind.Backend => "backend",
        _ => "service",
    };
}

using System.CommandLine;
using System.Globalization;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Files;
using Gpt2Kit.Models;
using Microsoft.Extensions.Configuration;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>The generation settings shared by <c>generate</c> and <c>inspect</c>: the prompt (<c>--prompt</c> or
/// <c>--input-ids</c>), <c>--config JSON|@file</c> and one flag per common Hugging Face option (named after it, dashes for
/// underscores). Options overlay in that order: the model's generation config, <c>--config</c>, then the flags.</summary>
internal sealed class GenerationCliOptions
{
    private readonly List<(Option Option, Action<ParseResult, GenerationOptions> Apply)> _settings = [];

    public GenerationCliOptions(Command command)
    {
        Model = Add(command, new Option<string>("--model")
        {
            Description = "demo (the small offline demo checkpoint), a checkpoint folder (config.json, model.safetensors) or a Hugging Face name (gpt2, org/name@revision), taken from the Hugging Face cache or downloaded into it.",
            DefaultValueFactory = _ => Hub.ModelLocation.DefaultModel,
        });
        DType = Add(command, DTypeOption.Create());
        Prompt = Add(command, new Option<string[]>("--prompt") { Description = "A text prompt; repeat for a batch (left-padded).", Arity = ArgumentArity.OneOrMore });
        InputIds = Add(command, new Option<string>("--input-ids") { Description = "Prompt ids as JSON, e.g. [[464,2068],[40]] (ragged rows are left-padded)." });
        Config = Add(command, new Option<string>("--config") { Description = "Generation options as Hugging Face GenerationConfig JSON, or @file; a file with a Gpt2Kit section (Generation, Processors, Search, Plugins) also works." });
        Plugins = Add(command, new Option<string[]>("--plugins") { Description = "A plugins folder (one subfolder per plugin); repeat for several.", Arity = ArgumentArity.OneOrMore });
        Backend = new BackendCliOptions(command);

        Setting<int>(command, "--max-new-tokens", "New tokens to generate.", (o, v) => o.MaxNewTokens = v);
        Setting<int>(command, "--max-length", "Longest total length, prompt included (Hugging Face default 20).", (o, v) => { o.MaxLength = v; o.MaxNewTokens = null; });
        Setting<int>(command, "--min-new-tokens", "New tokens before EOS may come.", (o, v) => o.MinNewTokens = v);
        Setting<int>(command, "--min-length", "Total length before EOS may come.", (o, v) => o.MinLength = v);
        Setting<bool>(command, "--do-sample", "Sample instead of taking the most likely token (turns on top-k 50).", (o, v) => o.DoSample = v);
        Setting<double>(command, "--temperature", "Softmax temperature when sampling (> 0).", (o, v) => o.Temperature = v);
        Setting<int>(command, "--top-k", "Keep the k most likely tokens (0 disables).", (o, v) => o.TopK = v);
        Setting<double>(command, "--top-p", "Nucleus sampling mass in (0, 1].", (o, v) => o.TopP = v);
        Setting<double>(command, "--min-p", "Keep tokens at least this fraction as likely as the best, in [0, 1].", (o, v) => o.MinP = v);
        Setting<double>(command, "--typical-p", "Locally typical sampling mass in (0, 1].", (o, v) => o.TypicalP = v);
        Setting<double>(command, "--repetition-penalty", "Penalty for tokens already present (> 0; 1 disables).", (o, v) => o.RepetitionPenalty = v);
        Setting<int>(command, "--no-repeat-ngram-size", "Never repeat an n-gram of this size (0 disables).", (o, v) => o.NoRepeatNgramSize = v);
        Setting<int>(command, "--num-beams", "Beams for beam search (1: no beam search).", (o, v) => o.NumBeams = v);
        Setting<int>(command, "--num-beam-groups", "Groups for diverse beam search (divides --num-beams).", (o, v) => o.NumBeamGroups = v);
        Setting<double>(command, "--diversity-penalty", "Hamming diversity penalty between beam groups (> 0 with groups).", (o, v) => o.DiversityPenalty = v);
        Setting<double>(command, "--penalty-alpha", "Contrastive search degeneration penalty (with --top-k > 1).", (o, v) => o.PenaltyAlpha = v);
        Setting<double>(command, "--length-penalty", "Exponent of the generated length dividing beam scores.", (o, v) => o.LengthPenalty = v);
        Setting<string>(command, "--early-stopping", "Beam search stop rule: true, false or never.", (o, v) => o.EarlyStopping = ParseEarlyStopping(v));
        Setting<int>(command, "--num-return-sequences", "Sequences returned per prompt.", (o, v) => o.NumReturnSequences = v);
        Setting<long>(command, "--seed", "Seed of the sampler (same seed, same tokens).", (o, v) => o.Seed = v);
        Setting<string[]>(command, "--stop", "A stop string; repeat for several.", (o, v) => o.StopStrings = v, multiple: true);
        Setting<int[]>(command, "--eos-token-id", "End-of-sequence id; repeat for several.", (o, v) => o.EosTokenId = v, multiple: true);
        Setting<int>(command, "--pad-token-id", "Padding id (default: the first EOS id).", (o, v) => o.PadTokenId = v);
        Setting<double>(command, "--max-time", "Wall-clock budget in seconds.", (o, v) => o.MaxTime = v);
        Setting<string>(command, "--strategy", "Search strategy by name (greedy, sample, beam, beam_sample, group_beam, contrastive).", (o, v) => o.Strategy = v);
    }

    public Option<string> Model { get; }

    public Option<string> DType { get; }

    public Option<string[]> Prompt { get; }

    public Option<string> InputIds { get; }

    public Option<string> Config { get; }

    public Option<string[]> Plugins { get; }

    /// <summary><c>--backend</c>, <c>--device</c> and <c>--dtype</c>.</summary>
    public BackendCliOptions Backend { get; }

    /// <summary>The plugin folders to load: <c>--plugins</c>, then the <c>Plugins</c> of a <c>--config @file</c> that holds a
    /// <c>Gpt2Kit</c> section (relative to that file's folder).</summary>
    public IReadOnlyList<string> PluginFolders(ParseResult parse)
    {
        var folders = new List<string>(parse.GetValue(Plugins) ?? []);
        if (parse.GetValue(Config) is { } config && Gpt2KitSection(config) is { } section)
        {
            folders.AddRange(Gpt2KitConfiguration.ReadPluginFolders(section, Path.GetDirectoryName(Path.GetFullPath(config[1..]))));
        }

        return folders;
    }

    /// <summary>The request: prompts from <c>--prompt</c> or <c>--input-ids</c>, options overlaid on <paramref name="defaults"/>.</summary>
    public GenerationRequest BuildRequest(ParseResult parse, GenerationOptions defaults)
    {
        var prompts = parse.GetValue(Prompt);
        var ids = parse.GetValue(InputIds);
        if ((prompts is { Length: > 0 }) == (ids is not null))
        {
            throw new CliException("give either --prompt TEXT or --input-ids '[[...]]' (exactly one of them).");
        }

        var options = defaults.Clone();
        if (parse.GetValue(Config) is { } config)
        {
            options = ReadConfig(config, options);
        }

        foreach (var (option, apply) in _settings)
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                apply(parse, options);
            }
        }

        return ids is not null
            ? GenerationRequest.FromIds(CliJson.ParseIdRows(ids, "--input-ids"), options)
            : new GenerationRequest { Prompts = prompts, Options = options };
    }

    /// <summary>Names where a bad generation setting came from: its flag when the flag was given, else <c>--config</c> when
    /// that sets it, else the model's <c>generation_config.json</c> when that sets it; a default that is wrong in
    /// combination with other settings names the flag that changes it.</summary>
    public CliException Explain(ParseResult parse, GenerationConfigurationException error, ModelInfo model)
    {
        string root = error.SettingPath.Split(':')[0];
        string flag = "--" + root.Replace('_', '-');
        var options = _settings.Select(s => s.Option).Append(Prompt).Append(InputIds).Where(o => o.Name == flag).ToList();

        // A path that is not an option's (Gpt2Kit:Processors:0, model/generation_config.json: top_k) already says where it is.
        if (options.Count == 0)
        {
            return new CliException(error.Message);
        }

        if (options.Any(o => parse.GetResult(o) is { Implicit: false }))
        {
            return new CliException($"{flag}: {error.Message}");
        }

        string quoted = $"\"{root}\"";
        if (parse.GetValue(Config) is { } config && (config.StartsWith('@') ? ReadConfigFile(config) : config).Contains(quoted, StringComparison.Ordinal))
        {
            return new CliException($"--config: {error.Message}");
        }

        if (model.GenerationConfigJson?.Contains(quoted, StringComparison.Ordinal) == true)
        {
            return new CliException($"{model.Name}/generation_config.json (the model's generation defaults): {error.Message}");
        }

        return new CliException($"{flag}: {error.Message}");
    }

    private static GenerationOptions ReadConfig(string value, GenerationOptions baseOptions)
    {
        try
        {
            if (value.StartsWith('@'))
            {
                // Size and kind are checked first (Gpt2KitSection reads it); then messages name the file.
                // An application settings file: its Gpt2Kit section (Generation, Processors, Search) overlays the defaults.
                return Gpt2KitSection(value) is { } section
                    ? Gpt2KitConfiguration.ReadGenerationOptions(section, baseOptions)
                    : GenerationConfiguration.FromJsonFile(value[1..], baseOptions);
            }

            return GenerationConfiguration.FromJson(value, baseOptions);
        }
        catch (Exception e) when (e is GenerationConfigurationException or InvalidDataException or FormatException)
        {
            throw new CliException($"--config: {e.Message}");
        }
    }

    /// <summary>The text of a <c>--config @file</c>: a regular file of at most <see cref="BoundedFile.MaxSettingsBytes"/>, so
    /// that a pipe, a device or a huge file ends in an error instead of a hang.</summary>
    private static string ReadConfigFile(string value)
    {
        string path = value[1..];
        try
        {
            return BoundedFile.ReadAllText(path, BoundedFile.MaxSettingsBytes);
        }
        catch (FileNotFoundException)
        {
            throw new CliException($"--config: the file '{path}' does not exist.");
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--config: {e.Message}");
        }
    }

    /// <summary>The <c>Gpt2Kit</c> section of a <c>--config @file</c>, or null for inline JSON or a plain generation config.</summary>
    private static IConfigurationSection? Gpt2KitSection(string value)
    {
        if (!value.StartsWith('@'))
        {
            return null;
        }

        string text = ReadConfigFile(value);
        try
        {
            using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
            var configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
            var section = configuration.GetSection(Gpt2KitConfiguration.SectionName);
            return section.Exists() ? section : null;
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            // Not settings JSON: reading it as a generation config reports the problem with its position.
            return null;
        }
    }

    private static EarlyStopping ParseEarlyStopping(string value) => value.ToLowerInvariant() switch
    {
        "true" => EarlyStopping.True,
        "false" => EarlyStopping.False,
        "never" => EarlyStopping.Never,
        _ => throw new CliException($"--early-stopping: '{value}' is not allowed; expected true, false or never."),
    };

    private static T Add<T>(Command command, T option)
        where T : Option
    {
        command.Options.Add(option);
        return option;
    }

    private void Setting<T>(Command command, string name, string description, Action<GenerationOptions, T> apply, bool multiple = false)
    {
        // The help text comes from the option table (allowed values, default, off value) where the flag is an option.
        var rule = GenerationOptionRules.Find(name.TrimStart('-').Replace('-', '_'));
        var option = new Option<T>(name) { Description = rule?.Describe() ?? description };
        if (option is Option<double> number)
        {
            // Strict, culture-free numbers: "0,7" is an error, never 7.
            number.CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    return value;
                }

                result.AddError($"{name}: '{text}' is not a number (write decimals with a dot, e.g. 0.7).");
                return 0;
            };
        }

        if (multiple)
        {
            option.AllowMultipleArgumentsPerToken = true;
            option.Arity = ArgumentArity.OneOrMore;
        }

        command.Options.Add(option);
        _settings.Add((option, (parse, options) => apply(options, parse.GetValue(option)!)));
    }

    /// <summary>Formats a number the way the JSON output does (for plain-text output).</summary>
    public static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}

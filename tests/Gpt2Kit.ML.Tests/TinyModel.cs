using Microsoft.ML;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Testing;

namespace Gpt2Kit.ML.Tests;

/// <summary>The fixture checkpoint, loaded once for the test assembly, and the rows the tests feed through pipelines.</summary>
internal static class TinyModel
{
    private static readonly Lazy<TextGenerator> LazyGenerator = new(() =>
        TextGenerator.Create(Gpt2Model.FromPretrained(Folder), Gpt2Tokenizer.FromFolderOrDefault(Folder)));

    /// <summary>The checkpoint folder (what a step names as its model).</summary>
    public static string Folder => FixturePaths.Checkpoint("gpt2-tiny");

    /// <summary>A generator of the library itself, to compare the pipeline's rows with.</summary>
    public static TextGenerator Generator => LazyGenerator.Value;

    /// <summary>Prompts of different token lengths, so batches are padded.</summary>
    public static readonly string[] Prompts =
    [
        "Hello, my name is",
        "Once upon a time",
        "The quick brown fox jumps over the lazy",
        "A",
        "long long ago, I was a boy, I love",
    ];

    /// <summary>The estimator-side shape of rows of <typeparamref name="T"/> (ML.NET's SchemaShape.Create is internal; a
    /// custom mapping from no columns describes its output through public API).</summary>
    public static Microsoft.ML.SchemaShape Shape<T>()
        where T : class, new() =>
        new Microsoft.ML.MLContext().Transforms.CustomMapping<NoColumns, T>((_, _) => { }, contractName: null)
            .GetOutputSchema(new Microsoft.ML.SchemaShape([]));

    public static PromptRow[] Rows(params string[] prompts) =>
        [.. prompts.Select((p, i) => new PromptRow { Prompt = p, Label = i % 2 == 0 })];
}

/// <summary>A row type without columns.</summary>
public sealed class NoColumns
{
}

/// <summary>One input row.</summary>
public sealed class PromptRow
{
    public string Prompt { get; set; } = "";

    public bool Label { get; set; }
}

/// <summary>Counts the requests and prompts that reach the library.</summary>
internal sealed class CountingGenerator(ITextGenerator inner) : DelegatingTextGenerator(inner)
{
    private int _requests;
    private int _prompts;

    public int Requests => _requests;

    public int Prompts => _prompts;

    public override Task<GenerationResult> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _prompts, request.Prompts?.Count ?? 0);
        return base.GenerateAsync(request, cancellationToken);
    }
}

using System.Text.Json;
using Xunit;

namespace Gpt2Kit.Testing;

/// <summary>The cases of <c>generate.json</c>, <c>score.json</c>, <c>process.json</c>, <c>logits.json</c> (random-weight
/// checkpoints) and of <c>demo.json</c> (the trained demo checkpoint; its <c>generate</c>, <c>logits</c> and <c>score</c>
/// sections have the other files' layout), each read once per test run, and theory data that names each case by its index
/// in its list.</summary>
public static class FixtureCases
{
    private const string DemoFile = "demo.json";

    private static readonly Lazy<IReadOnlyList<GenerateCase>> GenerateCases = new(() => ReadAll("generate.json", GenerateCase.Read));
    private static readonly Lazy<IReadOnlyList<ScoreCase>> ScoreCases = new(() => ReadAll("score.json", ScoreCase.Read));
    private static readonly Lazy<IReadOnlyList<ProcessCase>> ProcessCases = new(() => ReadAll("process.json", ProcessCase.Read));
    private static readonly Lazy<IReadOnlyList<LogitsCase>> LogitsCases = new(() => ReadAll("logits.json", LogitsCase.Read));
    private static readonly Lazy<IReadOnlyList<GenerateCase>> DemoGenerateCases = new(() => ReadAll(DemoFile, GenerateCase.Read, "generate"));
    private static readonly Lazy<IReadOnlyList<ScoreCase>> DemoScoreCases = new(() => ReadAll(DemoFile, ScoreCase.Read, "score"));
    private static readonly Lazy<IReadOnlyList<LogitsCase>> DemoLogitsCases = new(() => ReadAll(DemoFile, LogitsCase.Read, "logits"));

    /// <summary>Every case of <c>generate.json</c>, in file order.</summary>
    public static IReadOnlyList<GenerateCase> Generate => GenerateCases.Value;

    /// <summary>Every case of <c>score.json</c>, in file order.</summary>
    public static IReadOnlyList<ScoreCase> Score => ScoreCases.Value;

    /// <summary>Every case of <c>process.json</c>, in file order.</summary>
    public static IReadOnlyList<ProcessCase> Process => ProcessCases.Value;

    /// <summary>Every case of <c>logits.json</c>, in file order.</summary>
    public static IReadOnlyList<LogitsCase> Logits => LogitsCases.Value;

    /// <summary>Every <c>generate</c> case of <c>demo.json</c>, in file order.</summary>
    public static IReadOnlyList<GenerateCase> DemoGenerate => DemoGenerateCases.Value;

    /// <summary>Every <c>score</c> case of <c>demo.json</c>, in file order.</summary>
    public static IReadOnlyList<ScoreCase> DemoScore => DemoScoreCases.Value;

    /// <summary>Every <c>logits</c> case of <c>demo.json</c>, in file order.</summary>
    public static IReadOnlyList<LogitsCase> DemoLogits => DemoLogitsCases.Value;

    /// <summary>(index, title) of every <c>generate.json</c> case.</summary>
    public static TheoryData<int, string> GenerateRows() => Rows(Generate, c => c.Title);

    /// <summary>(index, title) of every <c>generate</c> case of <c>demo.json</c>.</summary>
    public static TheoryData<int, string> DemoGenerateRows() => Rows(DemoGenerate, c => c.Title);

    /// <summary>The index of every <c>score.json</c> case.</summary>
    public static TheoryData<int> ScoreRows() => IndexRows(Score);

    /// <summary>The index of every <c>score</c> case of <c>demo.json</c>.</summary>
    public static TheoryData<int> DemoScoreRows() => IndexRows(DemoScore);

    /// <summary>(index, name) of every <c>process.json</c> case.</summary>
    public static TheoryData<int, string> ProcessRows() => Rows(Process, c => c.Name);

    /// <summary>(index, title) of every <c>logits.json</c> case.</summary>
    public static TheoryData<int, string> LogitsRows() => Rows(Logits, c => c.Title);

    /// <summary>(index, title) of every <c>logits</c> case of <c>demo.json</c>.</summary>
    public static TheoryData<int, string> DemoLogitsRows() => Rows(DemoLogits, c => c.Title);

    private static TheoryData<int, string> Rows<T>(IReadOnlyList<T> cases, Func<T, string> title)
    {
        var data = new TheoryData<int, string>();
        for (int i = 0; i < cases.Count; i++)
        {
            data.Add(i, title(cases[i]));
        }

        return data;
    }

    private static TheoryData<int> IndexRows<T>(IReadOnlyList<T> cases)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < cases.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    // A file whose root is the array of cases, or (section given) an object holding arrays of cases by section.
    private static IReadOnlyList<T> ReadAll<T>(string fileName, Func<JsonElement, int, T> read, string? section = null)
    {
        using var document = FixtureJson.Load(fileName);
        var cases = section is null ? document.RootElement : document.RootElement.GetProperty(section);
        return cases.EnumerateArray().Select(read).ToArray();
    }
}

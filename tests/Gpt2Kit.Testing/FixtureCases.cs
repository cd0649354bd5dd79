using Xunit;

namespace Gpt2Kit.Testing;

/// <summary>The cases of <c>generate.json</c>, <c>score.json</c> and <c>process.json</c>, each file read once per test
/// run, and theory data that names each case by its index.</summary>
public static class FixtureCases
{
    private static readonly Lazy<IReadOnlyList<GenerateCase>> GenerateCases = new(() => ReadAll("generate.json", GenerateCase.Read));
    private static readonly Lazy<IReadOnlyList<ScoreCase>> ScoreCases = new(() => ReadAll("score.json", ScoreCase.Read));
    private static readonly Lazy<IReadOnlyList<ProcessCase>> ProcessCases = new(() => ReadAll("process.json", ProcessCase.Read));

    /// <summary>Every case of <c>generate.json</c>, in file order.</summary>
    public static IReadOnlyList<GenerateCase> Generate => GenerateCases.Value;

    /// <summary>Every case of <c>score.json</c>, in file order.</summary>
    public static IReadOnlyList<ScoreCase> Score => ScoreCases.Value;

    /// <summary>Every case of <c>process.json</c>, in file order.</summary>
    public static IReadOnlyList<ProcessCase> Process => ProcessCases.Value;

    /// <summary>(index, title) of every <c>generate.json</c> case.</summary>
    public static TheoryData<int, string> GenerateRows()
    {
        var data = new TheoryData<int, string>();
        foreach (var item in Generate)
        {
            data.Add(item.Index, item.Title);
        }

        return data;
    }

    /// <summary>The index of every <c>score.json</c> case.</summary>
    public static TheoryData<int> ScoreRows()
    {
        var data = new TheoryData<int>();
        foreach (var item in Score)
        {
            data.Add(item.Index);
        }

        return data;
    }

    /// <summary>(index, name) of every <c>process.json</c> case.</summary>
    public static TheoryData<int, string> ProcessRows()
    {
        var data = new TheoryData<int, string>();
        foreach (var item in Process)
        {
            data.Add(item.Index, item.Name);
        }

        return data;
    }

    private static IReadOnlyList<T> ReadAll<T>(string fileName, Func<System.Text.Json.JsonElement, int, T> read)
    {
        using var document = FixtureJson.Load(fileName);
        return document.RootElement.EnumerateArray().Select(read).ToArray();
    }
}

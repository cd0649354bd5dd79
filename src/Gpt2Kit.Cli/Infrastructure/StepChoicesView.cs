using System.Globalization;
using Gpt2Kit.Decoding.Inspection;
using Gpt2Kit.Tokenization;
using Spectre.Console;

namespace Gpt2Kit.Cli.Infrastructure;

/// <summary>The "choices per step" view of <c>inspect</c>: per step and row, a header line and the top tokens after the
/// processor chain (rank, id, processed score, log-softmax, probability, token text), with the chosen token marked. A
/// Spectre table on a terminal; plain aligned columns when redirected, stable for scripts and tests.</summary>
/// <remarks>Stateless; thread-safe.</remarks>
internal static class StepChoicesView
{
    /// <summary>The mark of the chosen token in plain output.</summary>
    public const string PlainMark = "*";

    /// <summary>The mark of the chosen token in a terminal table.</summary>
    public const string TableMark = "►";

    private static readonly string[] Headings = ["rank", "id", "score", "logprob", "prob", "token"];

    /// <summary>Writes every step as a plain block: header line, column headings, one line per token, a blank line.</summary>
    public static void WritePlain(TextWriter output, IReadOnlyList<InspectionStep> steps, ITokenizer tokenizer)
    {
        foreach (var step in steps)
        {
            var rows = Rows(step, tokenizer);
            var widths = new int[Headings.Length];
            for (int c = 0; c < widths.Length; c++)
            {
                widths[c] = Math.Max(Headings[c].Length, rows.Count == 0 ? 0 : rows.Max(r => r.Cells[c].Length));
            }

            output.WriteLine(Header(step, tokenizer));
            output.WriteLine(Line(" ", Headings, widths));
            foreach (var row in rows)
            {
                output.WriteLine(Line(row.Chosen ? PlainMark : " ", row.Cells, widths));
            }

            output.WriteLine();
        }

        output.Flush();
    }

    /// <summary>Writes every step as its header line and a Spectre table; the chosen token's row is highlighted.</summary>
    public static void WriteTable(IAnsiConsole console, IReadOnlyList<InspectionStep> steps, ITokenizer tokenizer)
    {
        foreach (var step in steps)
        {
            // The header is a line of its own: a table title would wrap at the table's width.
            console.WriteLine(Header(step, tokenizer), new Style(decoration: Decoration.Bold));
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn(new TableColumn(""));
            foreach (var heading in Headings)
            {
                var column = new TableColumn(heading);
                table.AddColumn(heading == "token" ? column.LeftAligned() : column.RightAligned());
            }

            foreach (var row in Rows(step, tokenizer))
            {
                var style = row.Chosen ? new Style(Color.Green, decoration: Decoration.Bold) : Style.Plain;
                table.AddRow([new Text(row.Chosen ? TableMark : "", style), .. row.Cells.Select(cell => new Text(cell, style))]);
            }

            console.Write(table);
        }
    }

    /// <summary>The line above a step's tokens, e.g. <c>step 0, row 0: chose 13 "."; 50257 of 50257 tokens kept</c>.</summary>
    internal static string Header(InspectionStep step, ITokenizer tokenizer)
    {
        string chosen = TokenText.Describe(tokenizer.GetTokenBytes(step.ChosenTokenId));
        string unlisted = step.Top.Any(a => a.TokenId == step.ChosenTokenId) ? "" : $" (not in the top {step.Top.Count})";
        return string.Create(CultureInfo.InvariantCulture,
            $"step {step.Step}, row {step.Row}: chose {step.ChosenTokenId} {chosen}{unlisted}; {step.FiniteCount} of {tokenizer.VocabSize} tokens kept");
    }

    /// <summary>A score as the table shows it: four decimals, <c>-inf</c> for a filtered token.</summary>
    internal static string FormatScore(float value) => value switch
    {
        float.NegativeInfinity => "-inf",
        float.PositiveInfinity => "inf",
        float.NaN => "nan",
        _ => value.ToString("F4", CultureInfo.InvariantCulture),
    };

    /// <summary>A probability in percent with two decimals; tiny non-zero ones as <c>&lt;0.01%</c>.</summary>
    internal static string FormatProbability(double probability) => probability switch
    {
        0 => "0%",
        < 0.0001 => "<0.01%",
        _ => (probability * 100).ToString("F2", CultureInfo.InvariantCulture) + "%",
    };

    private static List<(string[] Cells, bool Chosen)> Rows(InspectionStep step, ITokenizer tokenizer) =>
        step.Top.Select((a, i) => (
            Cells: new[]
            {
                (i + 1).ToString(CultureInfo.InvariantCulture),
                a.TokenId.ToString(CultureInfo.InvariantCulture),
                FormatScore(a.Score),
                FormatScore(a.Logprob),
                FormatProbability(Math.Exp(a.Logprob)),
                TokenText.Describe(tokenizer.GetTokenBytes(a.TokenId)),
            },
            Chosen: a.TokenId == step.ChosenTokenId)).ToList();

    // Numbers right-aligned, the token text (last, of any width) left as is.
    private static string Line(string mark, string[] cells, int[] widths)
    {
        var parts = cells.Select((cell, c) => c == cells.Length - 1 ? cell : cell.PadLeft(widths[c]));
        return (mark + " " + string.Join("  ", parts)).TrimEnd();
    }
}

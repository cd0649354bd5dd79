using Gpt2Kit.Decoding;
using Gpt2Kit.ML.Generation;
using Gpt2Kit.ML.Models;
using Gpt2Kit.ML.Scoring;
using Gpt2Kit.Testing;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Gpt2Kit.ML.Tests;

/// <summary>A chain holding the Gpt2Kit steps saves with mlContext.Model.Save and loads in a fresh context with the same
/// outputs, settings and batching.</summary>
public sealed class SaveAndLoadTests(SaveAndLoadTests.SavedPipeline saved) : IClassFixture<SaveAndLoadTests.SavedPipeline>
{
    private static readonly GenerationOptions Sampling = new()
    {
        MaxNewTokens = 6, DoSample = true, TopK = null, TopP = 0.9, Temperature = 0.8, Seed = 7, StopStrings = ["\n"],
        LogitBias = new Dictionary<int, double> { [13] = -2.5 }, BadWordsIds = [[11, 290]], EarlyStopping = EarlyStopping.Never,
    };

    private static IEstimator<ITransformer> Pipeline(MLContext ml, string model) =>
        ml.Transforms.Text.GenerateText(new GenerateTextOptions
        {
            OutputColumnName = "Generated", InputColumnName = "Prompt", Model = model, Generation = Sampling, BatchSize = 3,
            TokenCountColumnName = "Tokens", FinishReasonColumnName = "Finish",
        })
        .Append(ml.Transforms.Text.ScoreText(new ScoreTextOptions
        {
            OutputColumnName = "Logprob", InputColumnName = "Generated", PromptColumnName = "Prompt", Model = model, BatchSize = 2,
            PerplexityColumnName = "Perplexity",
        }));

    /// <summary>Every output column, read in one pass.</summary>
    private static (string[] Texts, float[] Tokens, string[] Finish, float[] Logprob, float[] Perplexity) Read(MLContext ml, IDataView output)
    {
        var rows = ml.Data.CreateEnumerable<Outputs>(output, reuseRowObject: false).ToArray();
        return ([.. rows.Select(r => r.Generated)], [.. rows.Select(r => r.Tokens)], [.. rows.Select(r => r.Finish)],
            [.. rows.Select(r => r.Logprob)], [.. rows.Select(r => r.Perplexity)]);
    }

    [Fact]
    public void A_saved_chain_loads_in_a_fresh_context_with_its_settings_outputs_and_batching()
    {
        var before = saved.Before;

        // Nothing shared with the saving side: a new context and the model read from its folder again.
        TextGeneratorRegistry.ForgetLoaded();
        var fresh = new MLContext(seed: 99);
        var loaded = fresh.Model.LoadWithBatching(saved.Path, out var schema);
        var freshData = fresh.Data.LoadFromEnumerable(TinyModel.Rows(TinyModel.Prompts));
        var after = Read(fresh, loaded.Transform(freshData));

        after.Texts.Should().Equal(before.Texts);
        after.Tokens.Should().Equal(before.Tokens);
        after.Finish.Should().Equal(before.Finish);
        after.Logprob.Should().Equal(before.Logprob);
        after.Perplexity.Should().Equal(before.Perplexity);
        schema.GetColumnOrNull("Prompt").Should().NotBeNull();

        var steps = ((TransformerChain<ITransformer>)loaded).ToArray();
        var generate = steps.OfType<GenerateTextTransformer>().Single();
        generate.ModelReference.Should().Be(TinyModel.Folder);
        generate.BatchSize.Should().Be(3);
        generate.Options.TokenCountColumnName.Should().Be("Tokens");
        var options = generate.Options.Generation!;
        options.Should().BeEquivalentTo(Sampling, o => o.Excluding(x => x.Processors), "every generation option survives");
        options.TopK.Should().BeNull("an option switched off stays off");
        var score = steps.OfType<ScoreTextTransformer>().Single();
        score.BatchSize.Should().Be(2);
        score.Options.PromptColumnName.Should().Be("Prompt");
    }

    [Fact]
    public void A_saved_chain_gives_the_same_rows_in_another_process()
    {
        ChildProcess.Run(saved.Path).Should().Equal(saved.Lines);
    }

    [Fact]
    public void A_plain_load_works_row_by_row_and_restore_brings_batching_back()
    {
        var before = saved.Before;
        var plain = new MLContext(seed: 5);
        plain.ComponentCatalog.RegisterAssembly(typeof(GenerateTextTransformer).Assembly);
        var loaded = plain.Model.Load(saved.Path, out _);
        var data = plain.Data.LoadFromEnumerable(TinyModel.Rows(TinyModel.Prompts));
        var rowByRow = Read(plain, loaded.Transform(data));
        rowByRow.Texts.Should().Equal(before.Texts, "seeded rows do not depend on batching");
        rowByRow.Finish.Should().Equal(before.Finish);
        rowByRow.Logprob.Zip(before.Logprob).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-4f);

        var restored = plain.Model.RestoreBatching(loaded);
        ((TransformerChain<ITransformer>)restored).OfType<GenerateTextTransformer>().Should().ContainSingle();
        Read(plain, restored.Transform(data)).Logprob.Should().Equal(before.Logprob);
    }

    [Fact]
    public void A_saved_model_whose_folder_is_gone_fails_to_load_naming_the_folder()
    {
        using var temp = new TempFolder();
        string folder = Path.Combine(temp.Path, "model");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(TinyModel.Folder))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows("Hello"));
        var fitted = ml.Transforms.Text.GenerateText("Out", "Prompt", folder, new GenerationOptions { MaxNewTokens = 2 }).Fit(data);
        ml.Model.Save(fitted, data.Schema, temp.File("model.zip"));
        Directory.Delete(folder, recursive: true);
        TextGeneratorRegistry.ForgetLoaded();

        ml.Model.Invoking(m => m.LoadWithBatching(temp.File("model.zip"), out _))
            .Should().Throw<InvalidOperationException>().WithMessage($"*'{folder}'*not by its weights*");
    }

    [Fact]
    public void A_generator_instance_saves_under_its_registered_name_only()
    {
        using var temp = new TempFolder();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(TinyModel.Rows("Hello"));
        var generator = new CountingGenerator(TinyModel.Generator);
        var unnamed = ml.Transforms.Text.GenerateText("Out", "Prompt", generator, new GenerationOptions { MaxNewTokens = 2 }).Fit(data);
        ml.Model.Invoking(m => m.Save(unnamed, data.Schema, temp.File("a.zip"))).Should().Throw<InvalidOperationException>().WithMessage("*Register*");

        TextGeneratorRegistry.Register("counting-tiny", generator);
        try
        {
            var named = ml.Transforms.Text.GenerateText("Out", "Prompt", generator, new GenerationOptions { MaxNewTokens = 2 }).Fit(data);
            ml.Model.Save(named, data.Schema, temp.File("b.zip"));
            var loaded = new MLContext().Model.LoadWithBatching(temp.File("b.zip"), out _);
            loaded.Transform(data).GetColumn<string>("Out").Single().Should().Be(named.Transform(data).GetColumn<string>("Out").Single());
            ((GenerateTextTransformer)loaded).Generator.Should().BeSameAs(generator);
        }
        finally
        {
            TextGeneratorRegistry.Unregister("counting-tiny");
        }
    }

    /// <summary>The pipeline fitted, run and saved once for the tests of this class.</summary>
    public sealed class SavedPipeline : IDisposable
    {
        private readonly TempFolder _temp = new();

        public SavedPipeline()
        {
            var ml = new MLContext(seed: 1);
            var data = ml.Data.LoadFromEnumerable(TinyModel.Rows(TinyModel.Prompts));
            var fitted = Pipeline(ml, TinyModel.Folder).Fit(data);
            Before = Read(ml, fitted.Transform(data));
            Lines = [.. ChildProcess.Lines(ml, fitted.Transform(data))];
            Path = _temp.File("model.zip");
            ml.Model.Save(fitted, data.Schema, Path);
        }

        public string Path { get; }

        public (string[] Texts, float[] Tokens, string[] Finish, float[] Logprob, float[] Perplexity) Before { get; }

        public string[] Lines { get; }

        public void Dispose() => _temp.Dispose();
    }

    public sealed class Outputs
    {
        public string Generated { get; set; } = "";

        public float Tokens { get; set; }

        public string Finish { get; set; } = "";

        public float Logprob { get; set; }

        public float Perplexity { get; set; }
    }
}

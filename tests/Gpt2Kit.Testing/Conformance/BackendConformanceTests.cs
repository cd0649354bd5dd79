using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FluentAssertions;
using Gpt2Kit.Configuration;
using Gpt2Kit.Decoding;
using Gpt2Kit.Gpt2.Tokenization;
using Gpt2Kit.Models;
using Xunit;
using static Gpt2Kit.Testing.Conformance.ModelRuns;

namespace Gpt2Kit.Testing.Conformance;

/// <summary>The cases every model backend must pass, run on the backend a derived class loads with <see cref="Load"/>
/// (fp32): the reference fixtures (<c>logits.json</c> and <c>score.json</c> within 1e-4, <c>generate.json</c> ids exact,
/// and the same three on the trained demo checkpoint of <c>demo.json</c>),
/// KV cache against no cache, a padded row against the row alone, <see cref="IModelSession.Reorder"/>,
/// <see cref="IModelSession.Truncate"/>, hidden states, the checkpoint variants (sharded, untied <c>lm_head</c>, bf16 and
/// f16 storage, <c>transformer.</c> prefix), argument checks, and clear errors for bad checkpoints.</summary>
/// <remarks>Models of the fixture checkpoints are loaded once per derived class and shared by its tests (models are
/// thread-safe); they live until the test process ends.</remarks>
public abstract class BackendConformanceTests
{
    private static readonly ConcurrentDictionary<(Type, string), Lazy<ICausalLanguageModel>> Shared = new();

    /// <summary>The fixture checkpoints.</summary>
    public static TheoryData<string> Checkpoints => new() { "gpt2-tiny", "gpt2-tiny-f16" };

    /// <summary>Every case of <c>logits.json</c>.</summary>
    public static TheoryData<int, string> LogitsCases() => FixtureCases.LogitsRows();

    /// <summary>Every <c>logits</c> case of <c>demo.json</c> (the trained demo checkpoint).</summary>
    public static TheoryData<int, string> DemoLogitsCases() => FixtureCases.DemoLogitsRows();

    /// <summary>Every case of <c>score.json</c>.</summary>
    public static TheoryData<int> ScoreCases() => FixtureCases.ScoreRows();

    /// <summary>Every <c>score</c> case of <c>demo.json</c>.</summary>
    public static TheoryData<int> DemoScoreCases() => FixtureCases.DemoScoreRows();

    /// <summary>Every case of <c>generate.json</c>.</summary>
    public static TheoryData<int, string> GenerateCases() => FixtureCases.GenerateRows();

    /// <summary>Every <c>generate</c> case of <c>demo.json</c>.</summary>
    public static TheoryData<int, string> DemoGenerateCases() => FixtureCases.DemoGenerateRows();

    /// <summary>New row r = old row sources[r]: identity, swaps, a cycle, repeats, a constant and a chain.</summary>
    public static TheoryData<int[]> Permutations => new()
    {
        { new[] { 0, 1, 2, 3 } },
        { new[] { 1, 0, 3, 2 } },
        { new[] { 1, 2, 3, 0 } },
        { new[] { 2, 2, 0, 1 } },
        { new[] { 3, 3, 3, 3 } },
        { new[] { 0, 0, 1, 2 } },
    };

    /// <summary>Loads the checkpoint folder with the backend under test, computing in fp32.</summary>
    /// <exception cref="ModelLoadException">The folder is not a valid checkpoint.</exception>
    protected abstract ICausalLanguageModel Load(string folder);

    /// <summary>The shared model of a fixture checkpoint (never disposed by a test).</summary>
    protected ICausalLanguageModel Model(string checkpoint) =>
        Shared.GetOrAdd((GetType(), checkpoint), key => new Lazy<ICausalLanguageModel>(() => Load(FixturePaths.Checkpoint(key.Item2)))).Value;

    [Theory]
    [MemberData(nameof(LogitsCases))]
    public void Logits_of_a_left_padded_batch_match_logits_json(int index, string title) => CheckLogits(FixtureCases.Logits[index], title);

    [Theory]
    [MemberData(nameof(DemoLogitsCases))]
    public void Logits_on_the_demo_checkpoint_match_demo_json(int index, string title) => CheckLogits(FixtureCases.DemoLogits[index], title);

    [Theory]
    [MemberData(nameof(ScoreCases))]
    public void Continuation_log_probabilities_match_score_json(int index) => CheckScore(FixtureCases.Score[index]);

    [Theory]
    [MemberData(nameof(DemoScoreCases))]
    public void Continuation_log_probabilities_on_the_demo_checkpoint_match_demo_json(int index) => CheckScore(FixtureCases.DemoScore[index]);

    [Theory]
    [MemberData(nameof(GenerateCases))]
    public Task Generation_matches_generate_json(int index, string title) => CheckGeneration(FixtureCases.Generate[index], title);

    [Theory]
    [MemberData(nameof(DemoGenerateCases))]
    public Task Generation_on_the_demo_checkpoint_matches_demo_json(int index, string title) => CheckGeneration(FixtureCases.DemoGenerate[index], title);

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void Token_by_token_decoding_with_the_cache_equals_one_forward_without_it(string checkpoint)
    {
        var model = Model(checkpoint);
        int vocab = model.Info.VocabSize, promptLength = 5;
        int[] ids = RandomIds(promptLength + 12, seed: 7);
        float[] reference = AllPositionLogits(model, ids);

        using var session = model.CreateSession(1, ids.Length);
        float[] logits = new float[vocab];
        session.Forward(ids[..promptLength], [0, 1, 2, 3, 4], Ones(promptLength), logits);
        MaxAbsDifference(logits, reference.AsSpan((promptLength - 1) * vocab, vocab)).Should().BeLessThan(FixtureAssert.Tolerance);
        for (int t = promptLength; t < ids.Length; t++)
        {
            session.Forward([ids[t]], [t], [1], logits);
            session.Length.Should().Be(t + 1);
            MaxAbsDifference(logits, reference.AsSpan(t * vocab, vocab)).Should().BeLessThan(FixtureAssert.Tolerance, $"position {t}");
        }
    }

    [Fact]
    public void A_chunk_of_several_tokens_after_cached_ones_equals_one_forward()
    {
        var model = Model("gpt2-tiny");
        int vocab = model.Info.VocabSize;
        int[] ids = RandomIds(20, seed: 8);
        float[] reference = AllPositionLogits(model, ids);

        using var session = model.CreateSession(1, ids.Length);
        float[] first = new float[6 * vocab];
        session.Forward(ids[..6], Enumerable.Range(0, 6).ToArray(), Ones(6), first, allPositions: true);
        float[] second = new float[14 * vocab];
        session.Forward(ids[6..], Enumerable.Range(6, 14).ToArray(), Ones(14), second, allPositions: true);

        MaxAbsDifference(first, reference.AsSpan(0, 6 * vocab)).Should().BeLessThan(FixtureAssert.Tolerance);
        MaxAbsDifference(second, reference.AsSpan(6 * vocab)).Should().BeLessThan(FixtureAssert.Tolerance);
    }

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void Each_row_of_a_left_padded_batch_equals_the_row_alone_while_decoding(string checkpoint)
    {
        var model = Model(checkpoint);
        int vocab = model.Info.VocabSize, pad = model.Info.EosTokenIds[0], steps = 4;
        int[][] prompts = [RandomIds(7, seed: 1), RandomIds(2, seed: 2), RandomIds(5, seed: 3)];
        int rows = prompts.Length, width = prompts.Max(p => p.Length);
        int[] ids = new int[rows * width], mask = new int[rows * width], positions = new int[rows * width];
        for (int r = 0; r < rows; r++)
        {
            int padding = width - prompts[r].Length;
            ids.AsSpan(r * width, padding).Fill(pad);
            prompts[r].CopyTo(ids, (r * width) + padding);
            mask.AsSpan((r * width) + padding, prompts[r].Length).Fill(1);
        }

        PositionIds.FromAttentionMask(mask, rows, positions);
        int[][] continuations = Enumerable.Range(0, rows).Select(r => RandomIds(steps, seed: 40 + r)).ToArray();
        float[][] alone = Enumerable.Range(0, rows).Select(r => AllPositionLogits(model, [.. prompts[r], .. continuations[r]])).ToArray();

        using var session = model.CreateSession(rows, width + steps);
        float[] logits = new float[rows * vocab];
        session.Forward(ids, positions, mask, logits);
        for (int step = 0; step <= steps; step++)
        {
            for (int r = 0; r < rows; r++)
            {
                int position = prompts[r].Length - 1 + step;
                MaxAbsDifference(logits.AsSpan(r * vocab, vocab), alone[r].AsSpan(position * vocab, vocab))
                    .Should().BeLessThan(FixtureAssert.Tolerance, $"row {r}, step {step}");
            }

            if (step < steps)
            {
                session.Forward(continuations.Select(c => c[step]).ToArray(), prompts.Select(p => p.Length + step).ToArray(), Ones(rows), logits);
            }
        }
    }

    [Fact]
    public void Padding_stays_finite_and_does_not_leak_into_real_tokens()
    {
        var model = Model("gpt2-tiny");
        int vocab = model.Info.VocabSize;
        using var session = model.CreateSession(2, 4);
        float[] logits = new float[2 * 4 * vocab];
        session.Forward([464, 2068, 7586, 21831, 50256, 50256, 50256, 50256], [0, 1, 2, 3, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0, 0], logits, allPositions: true);
        logits.Should().OnlyContain(v => float.IsFinite(v), "a row that is all padding must not produce NaN");
        MaxAbsDifference(logits.AsSpan(3 * vocab, vocab), LastLogits(model, [464, 2068, 7586, 21831])).Should().BeLessThan(FixtureAssert.Tolerance);

        using var padded = model.CreateSession(1, 3);
        float[] three = new float[3 * vocab];
        padded.Forward([50256, 40, 588], [1, 0, 1], [0, 1, 1], three, allPositions: true);
        three.Should().OnlyContain(v => float.IsFinite(v));
        MaxAbsDifference(three.AsSpan(2 * vocab, vocab), LastLogits(model, [40, 588])).Should().BeLessThan(FixtureAssert.Tolerance);
    }

    [Theory]
    [MemberData(nameof(Permutations))]
    public void After_Reorder_rows_continue_as_their_source_rows(int[] sources)
    {
        var model = Model("gpt2-tiny");
        int vocab = model.Info.VocabSize, rows = 4, length = 6;
        int[][] prompts = Enumerable.Range(0, rows).Select(r => RandomIds(length, seed: 100 + r)).ToArray();

        // Row 1 is left-padded, so the mask history has to move with the cache.
        int[] mask = Ones(rows * length);
        mask[length] = 0;
        mask[length + 1] = 0;
        int[] positions = new int[rows * length];
        PositionIds.FromAttentionMask(mask, rows, positions);

        using var session = model.CreateSession(rows, length + 2);
        float[] logits = new float[rows * vocab];
        session.Forward(prompts.SelectMany(p => p).ToArray(), positions, mask, logits);
        session.Reorder(sources);
        int[] next = RandomIds(rows, seed: 5);
        session.Forward(next, sources.Select(s => s == 1 ? length - 2 : length).ToArray(), Ones(rows), logits);

        for (int r = 0; r < rows; r++)
        {
            int s = sources[r];
            int[] history = s == 1 ? prompts[1][2..] : prompts[s];
            MaxAbsDifference(logits.AsSpan(r * vocab, vocab), LastLogits(model, [.. history, next[r]])).Should().BeLessThan(FixtureAssert.Tolerance, $"row {r} from {s}");
        }
    }

    [Fact]
    public void Reorder_rejects_a_wrong_length_or_an_index_out_of_range()
    {
        using var session = Model("gpt2-tiny").CreateSession(3, 4);
        FluentActions.Invoking(() => session.Reorder([0, 1])).Should().Throw<ArgumentException>().WithMessage("*3 rows*");
        FluentActions.Invoking(() => session.Reorder([0, 1, 3])).Should().Throw<ArgumentException>().WithMessage("*sources[2] is 3*0..2*");
    }

    [Fact]
    public void Truncate_forgets_positions_so_they_can_be_computed_again()
    {
        var model = Model("gpt2-tiny");
        int[] prompt = RandomIds(5, seed: 11);
        using var session = model.CreateSession(1, 8);
        float[] logits = new float[model.Info.VocabSize];
        session.Forward(prompt, [0, 1, 2, 3, 4], Ones(5), logits);
        session.Forward([1, 2, 3], [5, 6, 7], [1, 1, 1], logits);
        session.Truncate(5);
        session.Length.Should().Be(5);
        session.Forward([42], [5], [1], logits);
        MaxAbsDifference(logits, LastLogits(model, [.. prompt, 42])).Should().BeLessThan(FixtureAssert.Tolerance);
        FluentActions.Invoking(() => session.Truncate(7)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*0..6*");
    }

    [Fact]
    public void Hidden_states_agree_between_cached_and_uncached_runs()
    {
        var model = Model("gpt2-tiny");
        int vocab = model.Info.VocabSize, d = model.Info.HiddenSize;
        int[] ids = RandomIds(9, seed: 9);
        using var full = model.CreateSession(1, ids.Length);
        float[] allHidden = new float[ids.Length * d];
        full.Forward(ids, Enumerable.Range(0, ids.Length).ToArray(), Ones(ids.Length), new float[ids.Length * vocab], allPositions: true, allHidden);

        using var cached = model.CreateSession(1, ids.Length);
        float[] logits = new float[vocab], hidden = new float[d];
        cached.Forward(ids[..8], Enumerable.Range(0, 8).ToArray(), Ones(8), logits, hiddenStates: hidden);
        MaxAbsDifference(hidden, allHidden.AsSpan(7 * d, d)).Should().BeLessThan(FixtureAssert.Tolerance);
        cached.Forward([ids[8]], [8], [1], logits, hiddenStates: hidden);
        MaxAbsDifference(hidden, allHidden.AsSpan(8 * d, d)).Should().BeLessThan(FixtureAssert.Tolerance);
        hidden.Should().Contain(v => v != 0);
    }

    [Fact]
    public void Forward_names_the_argument_that_is_wrong_and_overflow_changes_nothing()
    {
        var model = Model("gpt2-tiny");
        int vocab = model.Info.VocabSize;
        using var session = model.CreateSession(2, 4);
        float[] logits = new float[2 * vocab];
        FluentActions.Invoking(() => session.Forward([1, 2, 3], [0, 1, 2], [1, 1, 1], logits)).Should().Throw<ArgumentException>().WithMessage("*multiple of the 2 rows*");
        FluentActions.Invoking(() => session.Forward([1, vocab], [0, 0], [1, 1], logits)).Should().Throw<ArgumentException>().WithMessage($"tokens[1] is {vocab}*");
        FluentActions.Invoking(() => session.Forward([1, 2], [0, 128], [1, 1], logits)).Should().Throw<ArgumentException>().WithMessage("positions[1] is 128*");
        FluentActions.Invoking(() => session.Forward([1, 2], [0, 0], [1, 2], logits)).Should().Throw<ArgumentException>().WithMessage("attentionMask[1] is 2*");
        FluentActions.Invoking(() => session.Forward([1, 2], [0, 0], [1, 1], new float[vocab])).Should().Throw<ArgumentException>().WithMessage("logits has*");
        session.Forward([1, 2, 3, 4, 5, 6], [0, 1, 2, 0, 1, 2], Ones(6), logits);
        FluentActions.Invoking(() => session.Forward([3, 4, 5, 6], [3, 4, 3, 4], Ones(4), logits))
            .Should().Throw<InvalidOperationException>().WithMessage("*holds 3 of its capacity 4*");
        session.Length.Should().Be(3);
        FluentActions.Invoking(() => model.CreateSession(0, 4)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("rows");
        FluentActions.Invoking(() => model.CreateSession(1, 129)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1..128*");
    }

    [Fact]
    public void The_whole_context_can_be_filled_and_sessions_run_concurrently()
    {
        var model = Model("gpt2-tiny");
        int[] ids = RandomIds(128, seed: 12);
        float[] expected = LastLogits(model, ids);
        var results = new float[3][];
        Parallel.For(0, 3, i => results[i] = LastLogits(model, ids));
        foreach (var result in results)
        {
            MaxAbsDifference(result, expected).Should().BeLessThan(FixtureAssert.Tolerance);
        }
    }

    [Fact]
    public void Model_info_comes_from_the_configuration()
    {
        var info = Model("gpt2-tiny-f16").Info;
        info.Name.Should().Be("gpt2-tiny-f16");
        info.VocabSize.Should().Be(50257);
        info.ContextLength.Should().Be(128);
        info.HiddenSize.Should().Be(64);
        info.EosTokenIds.Should().Equal(50256);
        info.BosTokenId.Should().Be(50256);
        info.GenerationConfigJson.Should().NotBeNull();
    }

    [Fact]
    public void A_disposed_model_refuses_new_sessions_and_running_ones()
    {
        var model = Load(FixturePaths.Checkpoint("gpt2-tiny"));
        var session = model.CreateSession(1, 2);
        model.Dispose();
        FluentActions.Invoking(() => session.Forward([1], [0], [1], new float[50257])).Should().Throw<ObjectDisposedException>();
        FluentActions.Invoking(() => model.CreateSession(1, 2)).Should().Throw<ObjectDisposedException>();
        session.Dispose();
    }

    [Fact]
    public void Sharded_and_untied_checkpoints_give_the_logits_of_the_single_file()
    {
        int[] ids = [464, 2068, 7586, 21831];
        float[] expected = LastLogits(Model("gpt2-tiny"), ids);

        using var sharded = new TempFolder();
        CheckpointFiles.Reshard("gpt2-tiny", sharded.Path, shards: 3);
        using (var model = Load(sharded.Path))
        {
            MaxAbsDifference(LastLogits(model, ids), expected).Should().BeLessThan(FixtureAssert.Tolerance, "three shards");
        }

        // A separate lm_head holding wte's values, with tie_word_embeddings false, and keys under the transformer. prefix.
        using var untied = new TempFolder();
        CheckpointFiles.CopyFixture("gpt2-tiny", untied.Path);
        CheckpointFiles.EditConfig(untied.Path, "tie_word_embeddings", false);
        string file = untied.File("model.safetensors");
        var (header, data) = CheckpointFiles.Read(file);
        var wte = header["wte.weight"]!.AsObject();
        var offsets = wte["data_offsets"]!.AsArray();
        int begin = (int)offsets[0]!, end = (int)offsets[1]!;
        var renamed = new JsonObject();
        foreach (var (key, value) in header)
        {
            renamed[key == "__metadata__" ? key : "transformer." + key] = value!.DeepClone();
        }

        renamed["lm_head.weight"] = new JsonObject { ["dtype"] = "F32", ["shape"] = wte["shape"]!.DeepClone(), ["data_offsets"] = new JsonArray(data.Length, data.Length + (end - begin)) };
        CheckpointFiles.Write(file, renamed, [.. data, .. data.AsSpan(begin, end - begin)]);
        using (var model = Load(untied.Path))
        {
            MaxAbsDifference(LastLogits(model, ids), expected).Should().BeLessThan(FixtureAssert.Tolerance, "an untied lm_head equal to wte");
        }
    }

    [Fact]
    public void Bf16_and_f16_storage_give_the_logits_of_the_same_values_stored_as_fp32()
    {
        // The fixture's weights rounded to bf16 (and, separately, to f16): stored both ways, they are the same numbers.
        int[] ids = [464, 2068, 7586, 21831, 318];
        foreach (string dtype in new[] { "BF16", "F16" })
        {
            using var narrow = new TempFolder();
            using var wide = new TempFolder();
            CheckpointFiles.CopyFixture("gpt2-tiny", narrow.Path);
            CheckpointFiles.CopyFixture("gpt2-tiny", wide.Path);
            var (header, data) = CheckpointFiles.Read(FixturePaths.Get("gpt2-tiny", "model.safetensors"));
            var narrowHeader = new JsonObject();
            var narrowData = new List<byte>();
            byte[] wideData = new byte[data.Length];
            foreach (var (key, value) in header)
            {
                if (key == "__metadata__")
                {
                    continue;
                }

                var offsets = value!["data_offsets"]!.AsArray();
                int begin = (int)offsets[0]!, end = (int)offsets[1]!;
                int start = narrowData.Count;
                for (int i = begin; i < end; i += 4)
                {
                    float f = BitConverter.ToSingle(data, i);
                    ushort bits = dtype == "BF16" ? (ushort)(BitConverter.SingleToUInt32Bits(f) >> 16) : BitConverter.HalfToUInt16Bits((Half)f);
                    float rounded = dtype == "BF16" ? BitConverter.UInt32BitsToSingle((uint)bits << 16) : (float)BitConverter.UInt16BitsToHalf(bits);
                    narrowData.Add((byte)bits);
                    narrowData.Add((byte)(bits >> 8));
                    BitConverter.TryWriteBytes(wideData.AsSpan(i), rounded);
                }

                narrowHeader[key] = new JsonObject { ["dtype"] = dtype, ["shape"] = value["shape"]!.DeepClone(), ["data_offsets"] = new JsonArray(start, narrowData.Count) };
            }

            CheckpointFiles.Write(narrow.File("model.safetensors"), narrowHeader, [.. narrowData]);
            CheckpointFiles.Write(wide.File("model.safetensors"), header, wideData);
            using var narrowModel = Load(narrow.Path);
            using var wideModel = Load(wide.Path);
            MaxAbsDifference(LastLogits(narrowModel, ids), LastLogits(wideModel, ids)).Should().BeLessThan(FixtureAssert.Tolerance, dtype);
        }
    }

    [Fact]
    public void Bad_checkpoints_fail_with_a_message_naming_the_file_tensor_or_key()
    {
        using var folder = new TempFolder();
        string model = folder.File("model.safetensors");
        LoadError(folder.File("nowhere")).Should().Contain("nowhere").And.Contain("does not exist");

        CheckpointFiles.CopyFixture("gpt2-tiny", folder.Path);
        File.Delete(folder.File("config.json"));
        LoadError(folder.Path).Should().Contain(folder.File("config.json")).And.Contain("was not found");

        CheckpointFiles.CopyFixture("gpt2-tiny", folder.Path);
        CheckpointFiles.EditConfig(folder.Path, "n_positions", 64);
        LoadError(folder.Path).Should().Contain(model).And.Contain("'wpe.weight' has shape [128, 64], but config.json").And.Contain("requires [64, 64]");

        CheckpointFiles.CopyFixture("gpt2-tiny", folder.Path);
        CheckpointFiles.EditHeader(model, h => h["h.0.ln_1.bias"]!["dtype"] = "I32");
        LoadError(folder.Path).Should().Contain(model).And.Contain("'h.0.ln_1.bias' has dtype I32; supported: F32, F16, BF16");

        CheckpointFiles.CopyFixture("gpt2-tiny", folder.Path);
        CheckpointFiles.EditHeader(model, h =>
        {
            h["h.1.mlp.c_fc.extra"] = h["h.1.mlp.c_fc.bias"]!.DeepClone();
            h.Remove("h.1.mlp.c_fc.bias");
        });
        LoadError(folder.Path).Should().Contain(model).And.Contain("'h.1.mlp.c_fc.bias' (or 'transformer.h.1.mlp.c_fc.bias') of shape [256] is missing");

        CheckpointFiles.CopyFixture("gpt2-tiny", folder.Path);
        byte[] bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length - 1000)]);
        LoadError(folder.Path).Should().Contain(model).And.Contain("beyond the end of the data");

        File.Delete(model);
        LoadError(folder.Path).Should().Contain(folder.Path).And.Contain("neither model.safetensors nor model.safetensors.index.json");
    }

    private void CheckLogits(LogitsCase item, string title)
    {
        item.Positions.Should().Be("generate");
        var model = Model(item.Checkpoint);
        int rows = item.PaddedIds.Length, width = item.PaddedIds[0].Length, vocab = model.Info.VocabSize;
        int[] flatMask = item.AttentionMask.SelectMany(r => r).ToArray();
        int[] positions = new int[flatMask.Length];
        PositionIds.FromAttentionMask(flatMask, rows, positions);
        using var session = model.CreateSession(rows, width);
        float[] logits = new float[rows * vocab];
        session.Forward(item.PaddedIds.SelectMany(r => r).ToArray(), positions, flatMask, logits);

        for (int r = 0; r < rows; r++)
        {
            FixtureAssert.CloseValues(logits.AsSpan(r * vocab, vocab).ToArray(), item.Logits[r], $"{title} row {r}");
        }
    }

    private void CheckScore(ScoreCase item)
    {
        var model = Model(item.Checkpoint);
        int vocab = model.Info.VocabSize;
        float[] logits = AllPositionLogits(model, [.. item.InputIds, .. item.Continuation]);

        double total = 0;
        for (int i = 0; i < item.Continuation.Length; i++)
        {
            double logprob = LogSoftmaxAt(logits.AsSpan((item.InputIds.Length - 1 + i) * vocab, vocab), item.Continuation[i]);
            logprob.Should().BeApproximately(item.TokenLogprobs[i], FixtureAssert.Tolerance, $"continuation token {i} ({item.Checkpoint})");
            total += logprob;
        }

        total.Should().BeApproximately(item.Logprob, FixtureAssert.Tolerance);
    }

    private async Task CheckGeneration(GenerateCase item, string title)
    {
        var expected = item.Expected;
        var generator = TextGenerator.Create(Model(item.Checkpoint), Gpt2Tokenizer.Default);

        var result = await generator.GenerateAsync(GenerationRequest.FromIds(item.InputIds, GenerationConfiguration.FromJson(item.ConfigJson)));

        result.Sequences.Should().BeEquivalentTo(expected.Sequences, o => o.WithStrictOrdering(), title);
        FixtureAssert.CloseRows(result.TransitionScores, expected.TransitionScores, $"{title} transition_scores");
        FixtureAssert.CloseRows(result.TokenLogprobs, expected.TokenLogprobs, $"{title} token_logprobs");
        if (expected.SequenceScores is not null)
        {
            FixtureAssert.CloseValues(result.SequenceScores!, expected.SequenceScores, $"{title} sequence_scores");
            result.BeamIndices.Should().BeEquivalentTo(expected.BeamIndices, o => o.WithStrictOrdering(), $"{title} beam_indices");
        }
    }

    private string LoadError(string folder) =>
        FluentActions.Invoking(() => Load(folder).Dispose()).Should().Throw<ModelLoadException>().Which.Message;
}

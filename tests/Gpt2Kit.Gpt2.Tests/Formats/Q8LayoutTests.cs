using Gpt2Kit.Gpt2.SafeTensors;
using Gpt2Kit.Models;
using Gpt2Kit.Testing;

namespace Gpt2Kit.Gpt2.Tests.Formats;

/// <summary>q8 layer weights are held with their rows interleaved in groups of eight and saved that way, as
/// <c>[rows/8, columns/32, 8, 32]</c> (scales <c>[rows/8, columns/32, 8]</c>); checkpoints holding row-major q8 matrices
/// (<c>[rows, columns]</c>, as written before) still load in place and compute the same logits.</summary>
public sealed class Q8LayoutTests
{
    [Fact]
    public void A_saved_q8_model_holds_its_layer_weights_interleaved_and_the_embedding_row_major()
    {
        using var folder = new TempFolder();
        using var model = Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new ModelLoadOptions { Threads = 2, DType = "q8" });
        model.Save(folder.Path);
        using var file = SafeTensorsFile.Open(Path.Combine(folder.Path, "model.safetensors"));
        int d = model.Info.HiddenSize;
        file.Tensors["h.0.mlp.c_fc.weight"].Shape.Should().Equal(d / 8, 4 * d / 32, 8, 32);
        file.Tensors["h.0.mlp.c_fc.weight.q8_scales"].Shape.Should().Equal(d / 8, 4 * d / 32, 8);
        file.Tensors["wte.weight"].Shape.Should().Equal(model.Info.VocabSize, d);
    }

    [Fact]
    public void A_row_major_q8_checkpoint_loads_in_place_and_gives_the_same_logits()
    {
        using var interleavedFolder = new TempFolder();
        using var rowMajorFolder = new TempFolder();
        using var model = Gpt2Model.FromPretrained(FixturePaths.Checkpoint("gpt2-tiny"), new ModelLoadOptions { Threads = 2, DType = "q8" });
        model.Save(interleavedFolder.Path);
        foreach (var path in Directory.GetFiles(interleavedFolder.Path).Where(p => Path.GetFileName(p) != "model.safetensors"))
        {
            File.Copy(path, Path.Combine(rowMajorFolder.Path, Path.GetFileName(path)));
        }

        using (var file = SafeTensorsFile.Open(Path.Combine(interleavedFolder.Path, "model.safetensors")))
        {
            var entries = file.Tensors.Values.OrderBy(t => t.Begin).Select(t => RowMajor(file, t)).ToList();
            SafeTensorsWriter.Write(Path.Combine(rowMajorFolder.Path, "model.safetensors"), entries,
                new Dictionary<string, string> { ["format"] = "pt", ["gpt2kit_dtype"] = "q8" });
        }

        using var rowMajor = Gpt2Model.FromPretrained(rowMajorFolder.Path, new ModelLoadOptions { Threads = 2 });
        rowMajor.DType.Should().Be("q8");
        rowMajor.ConvertedBytes.Should().Be(0, "row-major q8 matrices are used in place");
        int[] ids = [464, 3290, 318, 257, 1332, 11, 290, 340, 373, 922, 13, 632, 16, 9];
        foreach (int length in new[] { 1, 3, ids.Length })
        {
            // One row takes the streaming kernel, more the tiled one: both layouts sum in the same order.
            LastLogits(rowMajor, ids[..length]).Should().Equal(LastLogits(model, ids[..length]), $"prompt of {length}");
        }
    }

    // The tensor as a row-major checkpoint stores it: interleaved q8 data [g, b, 8, 32] and scales [g, b, 8] become
    // [8g, 32b] and [8g, b]; byte (r, c) of the row-major matrix is (r/8, c/32, r%8, c%32) of the interleaved one.
    private static unsafe SafeTensorsEntry RowMajor(SafeTensorsFile file, SafeTensorInfo tensor)
    {
        byte* data = file.DataPointer(tensor);
        byte[] bytes = new ReadOnlySpan<byte>(data, checked((int)(tensor.End - tensor.Begin))).ToArray();
        long[] shape = tensor.Shape;
        bool matrix = tensor.DType == "I8" && shape.Length == 4;
        bool scales = tensor.DType == "F32" && shape.Length == 3;
        if (!matrix && !scales)
        {
            return new SafeTensorsEntry(tensor.Name, tensor.DType, shape, stream => stream.Write(bytes));
        }

        int groups = (int)shape[0], blocks = (int)shape[1], width = matrix ? 32 : 1, size = matrix ? 1 : sizeof(float);
        byte[] reordered = new byte[bytes.Length];
        for (int r = 0; r < groups * 8; r++)
        {
            for (int b = 0; b < blocks; b++)
            {
                int from = ((((r / 8) * blocks) + b) * 8 + (r % 8)) * width * size;
                int to = ((r * blocks) + b) * width * size;
                bytes.AsSpan(from, width * size).CopyTo(reordered.AsSpan(to));
            }
        }

        return new SafeTensorsEntry(tensor.Name, tensor.DType, [groups * 8, blocks * width], stream => stream.Write(reordered));
    }

    private static float[] LastLogits(ICausalLanguageModel model, int[] ids)
    {
        using var session = model.CreateSession(1, ids.Length);
        float[] logits = new float[model.Info.VocabSize];
        session.Forward(ids, Enumerable.Range(0, ids.Length).ToArray(), Enumerable.Repeat(1, ids.Length).ToArray(), logits);
        return logits;
    }
}

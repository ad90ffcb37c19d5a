using Microsoft.ML.OnnxRuntime;
using OnnxMec.Data;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Evaluation;

/// <summary>
/// Pooled backbone features of a dataset through an inference model (the eval graph's "features"
/// output, or an exported encoder.onnx): images made by the evaluation recipe, run in batches.
/// </summary>
internal static class EncoderFeatures
{
    public const int Batch = 256;

    /// <summary>Features of the first <paramref name="count"/> images, [count, F] row-major; non-finite features are refused, naming the data.</summary>
    public static (float[] Features, int Dim) Compute(Func<float[], int, float[]> encode, IImageDataset data, ViewRecipe recipe, int count)
    {
        var images = new float[Batch * recipe.ElementCount];
        float[]? all = null;
        int dim = 0;
        for (int start = 0; start < count; start += Batch)
        {
            int n = Math.Min(Batch, count - start);
            EvaluationImages.Fill(data, recipe, start, n, images);
            var features = encode(images, n);
            if (all is null)
            {
                dim = features.Length / n;
                all = new float[(long)count * dim];
            }
            var batch = features.AsSpan(0, n * dim);
            int bad = Contract.FiniteValues.FirstNonFinite(batch);
            if (bad >= 0)
                throw new InvalidDataException($"the encoder's features of {data.Name} image {start + bad / dim} are {batch[bad]}: the weights are not finite or overflow; there is nothing to evaluate");
            batch.CopyTo(all.AsSpan(start * dim));
        }
        return (all ?? [], dim);
    }

    /// <summary>An encoder function over a standalone model's bytes (input "images", output "features"), opened by the factory.</summary>
    public static (Func<float[], int, float[]> Encode, IDisposable Session) FromModel(byte[] model, string source, int channels, int size, SessionFactory factory)
    {
        var session = factory.Open(model, source);
        float[] Encode(float[] images, int n)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, images.AsMemory(0, n * channels * size * size), [n, channels, size, size]);
            using var runOptions = new RunOptions();
            using var output = session.Run(runOptions, ["images"], [input], ["features"]);
            return output[0].GetTensorDataAsSpan<float>().ToArray();
        }
        return (Encode, session);
    }
}

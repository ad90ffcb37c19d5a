using Microsoft.ML.OnnxRuntime;
using OnnxMec.Data;

namespace OnnxMec.Host.Evaluation;

/// <summary>
/// Pooled backbone features of a dataset through an inference model (the eval graph's "features"
/// output, or an exported encoder.onnx): images made by the evaluation recipe, run in batches.
/// </summary>
internal static class EncoderFeatures
{
    public const int Batch = 256;

    /// <summary>Features of the first <paramref name="count"/> images, [count, F] row-major.</summary>
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
            features.AsSpan(0, n * dim).CopyTo(all.AsSpan(start * dim));
        }
        return (all ?? [], dim);
    }

    /// <summary>An encoder function over a standalone model file's bytes (input "images", output "features").</summary>
    public static (Func<float[], int, float[]> Encode, IDisposable Session) FromModel(byte[] model, int channels, int size, int threads)
    {
        var options = new SessionOptions();
        if (threads > 0) options.IntraOpNumThreads = threads;
        var session = new InferenceSession(model, options);
        options.Dispose();
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

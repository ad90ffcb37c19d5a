using Microsoft.ML.OnnxRuntime;
using OnnxMec.Data;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Evaluation;

/// <summary>
/// An encoder gave NaN or infinite features: its weights are broken or overflow, and nothing it
/// gives can be scored. A user's broken checkpoint on the command line; a divergence in training.
/// </summary>
internal sealed class NonFiniteFeaturesException(string message) : Exception(message);

/// <summary>Features of a dataset's readable images, [Labels.Length, Dim] row-major, with their labels; <see cref="Skipped"/> images could not be read.</summary>
internal sealed record DatasetFeatures(float[] Features, int Dim, int[] Labels, int Skipped);

/// <summary>
/// Pooled backbone features of a dataset through an inference model (the eval graph's "features"
/// output, or an exported encoder.onnx): images made by the evaluation recipe, run in batches.
/// </summary>
internal static class EncoderFeatures
{
    public const int Batch = 256;

    /// <summary>
    /// Features of the first <paramref name="count"/> images; an unreadable image is an error naming
    /// its file, or with <paramref name="skipBad"/> left out (with its label). Non-finite features
    /// are refused, naming the data.
    /// </summary>
    public static DatasetFeatures Compute(Func<float[], int, float[]> encode, IImageDataset data, ViewRecipe recipe, int count, bool skipBad = false)
    {
        var images = new float[Batch * recipe.ElementCount];
        float[]? all = null;
        var labels = new List<int>(count);
        int dim = 0;
        for (int start = 0; start < count; start += Batch)
        {
            int n = Math.Min(Batch, count - start);
            var readable = EvaluationImages.Fill(data, recipe, start, n, images, skipBad);
            var features = encode(images, n);
            dim = features.Length / n;
            all ??= new float[(long)count * dim];
            for (int i = 0; i < n; i++)
            {
                if (!readable[i]) continue;
                var row = features.AsSpan(i * dim, dim);
                int bad = Contract.FiniteValues.FirstNonFinite(row);
                if (bad >= 0)
                    throw new NonFiniteFeaturesException($"the encoder's features of {data.Name} image {start + i} are {row[bad]}: the weights are not finite or overflow; there is nothing to evaluate");
                row.CopyTo(all.AsSpan(labels.Count * dim));
                labels.Add(data.Label(start + i));
            }
        }
        if (labels.Count == 0) throw new InvalidDataException($"{data.Name}: none of its {count:N0} images could be read; there is nothing to evaluate");
        return new DatasetFeatures(labels.Count == count ? all! : all!.AsSpan(0, labels.Count * dim).ToArray(), dim, [.. labels], count - labels.Count);
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

using System.Runtime.ExceptionServices;

namespace OnnxMec.Data;

/// <summary>Un-augmented evaluation views of a range or a list of a dataset's images (kNN memory bank and queries, BatchNorm recalibration), made in parallel.</summary>
public static class EvaluationImages
{
    /// <summary>
    /// Makes the views of images <paramref name="start"/> … start + count − 1 into consecutive rows
    /// of <paramref name="destination"/> and says which rows hold one. An unreadable image is an
    /// error naming its file (the first in index order, whichever thread met it), or, with
    /// <paramref name="skipBad"/>, a row left out.
    /// </summary>
    public static bool[] Fill(IImageDataset data, ViewRecipe recipe, int start, int count, float[] destination, bool skipBad = false) =>
        Fill(data, recipe, Enumerable.Range(start, count).ToArray(), destination, skipBad);

    /// <summary>As the range's overload, for the images at <paramref name="indices"/>, in that order.</summary>
    public static bool[] Fill(IImageDataset data, ViewRecipe recipe, IReadOnlyList<int> indices, float[] destination, bool skipBad = false)
    {
        int count = indices.Count;
        int per = recipe.ElementCount;
        if (destination.Length < count * per) throw new ArgumentException($"destination holds {destination.Length} values, {count} images need {count * per}");
        var readable = new bool[count];
        var errors = new InvalidDataException?[count];
        using var scratch = new ThreadLocal<(FloatImage, FloatImage, FloatImage)>(() => (new FloatImage(1, 1, 1), new FloatImage(1, 1, 1), new FloatImage(1, 1, 1)));
        Parallel.For(0, count, i =>
        {
            var (source, a, b) = scratch.Value;
            try
            {
                data.Read(indices[i], source);
            }
            catch (InvalidDataException e)
            {
                errors[i] = e;
                return;
            }
            var rng = new SampleRandom(0, 0, indices[i], 0);
            recipe.Produce(source, a, b, ref rng, destination.AsSpan(i * per, per));
            readable[i] = true;
        });
        if (!skipBad && Array.Find(errors, e => e is not null) is { } first) ExceptionDispatchInfo.Throw(first);
        return readable;
    }
}

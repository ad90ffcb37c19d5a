namespace OnnxMec.Data;

/// <summary>Un-augmented evaluation views of a range of a dataset (kNN memory bank and queries), made in parallel.</summary>
public static class EvaluationImages
{
    public static void Fill(IImageDataset data, ViewRecipe recipe, int start, int count, float[] destination)
    {
        int per = recipe.ElementCount;
        if (destination.Length < count * per) throw new ArgumentException($"destination holds {destination.Length} values, {count} images need {count * per}");
        using var scratch = new ThreadLocal<(FloatImage, FloatImage, FloatImage)>(() => (new FloatImage(1, 1, 1), new FloatImage(1, 1, 1), new FloatImage(1, 1, 1)));
        Parallel.For(0, count, i =>
        {
            var (source, a, b) = scratch.Value;
            data.Read(start + i, source);
            var rng = new SampleRandom(0, 0, start + i, 0);
            recipe.Produce(source, a, b, ref rng, destination.AsSpan(i * per, per));
        });
    }
}

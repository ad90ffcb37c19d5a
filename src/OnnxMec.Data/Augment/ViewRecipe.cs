namespace OnnxMec.Data;

/// <summary>
/// How one view is made from a decoded image: a crop (which reads the source and leaves it
/// unchanged), then the steps in order, then conversion to the model's channels and normalisation.
/// </summary>
public sealed class ViewRecipe(IAugmentation crop, IReadOnlyList<IAugmentation> steps, Normalize normalize, int size, int channels)
{
    public int Size { get; } = size;
    public int Channels { get; } = channels;
    public int ElementCount => Channels * Size * Size;
    public IReadOnlyList<IAugmentation> Steps { get; } = steps;

    /// <summary>Writes the view of <paramref name="source"/> into <paramref name="destination"/> ([C, S, S]); a and b are scratch images.</summary>
    public void Produce(FloatImage source, FloatImage a, FloatImage b, ref SampleRandom rng, Span<float> destination)
    {
        var image = crop.Apply(source, a, ref rng);
        var spare = ReferenceEquals(image, a) ? b : a;
        foreach (var step in Steps)
        {
            var result = step.Apply(image, spare, ref rng);
            if (!ReferenceEquals(result, image)) (image, spare) = (result, image);
        }
        if (image.Channels != Channels) image = ConvertChannels(image, spare);
        normalize.Apply(image);
        image.Data.AsSpan(0, ElementCount).CopyTo(destination);
    }

    private FloatImage ConvertChannels(FloatImage image, FloatImage into)
    {
        into.Reset(Channels, image.Height, image.Width);
        int n = image.PlaneSize;
        if (image.Channels == 1)
            for (int c = 0; c < Channels; c++) image.Plane(0).CopyTo(into.Plane(c));
        else if (Channels == 1)
        {
            Span<float> r = image.Plane(0), g = image.Plane(1), b = image.Plane(2);
            var grey = into.Plane(0);
            for (int i = 0; i < n; i++) grey[i] = Grayscale.Luma(r[i], g[i], b[i]);
        }
        else throw new InvalidDataException($"cannot convert {image.Channels}-channel images to {Channels} channels");
        return into;
    }
}

namespace OnnxMec.Data;

/// <summary>Mirrors the image left to right with probability p.</summary>
public sealed class HorizontalFlip(double p = 0.5) : IAugmentation
{
    public FloatImage Apply(FloatImage image, FloatImage spare, ref SampleRandom rng)
    {
        if (!rng.Chance(p)) return image;
        for (int c = 0; c < image.Channels; c++)
        {
            var plane = image.Plane(c);
            for (int y = 0; y < image.Height; y++) plane.Slice(y * image.Width, image.Width).Reverse();
        }
        return image;
    }
}

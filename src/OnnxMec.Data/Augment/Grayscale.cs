namespace OnnxMec.Data;

/// <summary>With probability p, replaces an RGB image by its luma (ITU-R 601) in all three channels; grey images pass.</summary>
public sealed class Grayscale(double p = 0.2) : IAugmentation
{
    public static float Luma(float r, float g, float b) => 0.299f * r + 0.587f * g + 0.114f * b;

    public FloatImage Apply(FloatImage image, FloatImage spare, ref SampleRandom rng)
    {
        if (!rng.Chance(p) || image.Channels != 3) return image;
        Span<float> r = image.Plane(0), g = image.Plane(1), b = image.Plane(2);
        for (int i = 0; i < image.PlaneSize; i++) r[i] = g[i] = b[i] = Luma(r[i], g[i], b[i]);
        return image;
    }
}

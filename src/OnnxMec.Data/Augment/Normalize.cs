namespace OnnxMec.Data;

/// <summary>(x − mean) / std per channel; a single value applies to every channel.</summary>
public sealed class Normalize(float[] mean, float[] std) : IAugmentation
{
    public static Normalize ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    public FloatImage Apply(FloatImage image, FloatImage spare, ref SampleRandom rng)
    {
        Apply(image);
        return image;
    }

    public void Apply(FloatImage image)
    {
        for (int c = 0; c < image.Channels; c++)
        {
            float m = mean[Math.Min(c, mean.Length - 1)], inv = 1 / std[Math.Min(c, std.Length - 1)];
            var plane = image.Plane(c);
            for (int i = 0; i < plane.Length; i++) plane[i] = (plane[i] - m) * inv;
        }
    }
}

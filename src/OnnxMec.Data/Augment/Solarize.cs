namespace OnnxMec.Data;

/// <summary>With probability p, inverts every value at or above the threshold (PIL's solarize at 128 of 255).</summary>
public sealed class Solarize(double p = 0.2, float threshold = 128f / 255f) : IAugmentation
{
    public double Probability => p;

    public FloatImage Apply(FloatImage image, FloatImage spare, ref SampleRandom rng)
    {
        if (!rng.Chance(p)) return image;
        var data = image.Data.AsSpan(0, image.Channels * image.PlaneSize);
        for (int i = 0; i < data.Length; i++) if (data[i] >= threshold) data[i] = 1 - data[i];
        return image;
    }
}

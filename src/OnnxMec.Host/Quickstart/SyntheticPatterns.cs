namespace OnnxMec.Host.Quickstart;

/// <summary>
/// A fixed, seeded labelled batch of grey images: horizontal stripes, vertical stripes or a
/// centred blob, each with random phase, contrast and noise. Learnable by a small CNN in a few
/// dozen steps, so a falling loss shows the whole autodiff path works.
/// </summary>
internal static class SyntheticPatterns
{
    public const int Classes = 3;

    public static (float[] Images, long[] Labels) Make(int count, int size, int seed)
    {
        var rng = new Random(seed);
        var images = new float[count * size * size];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % Classes;
            labels[i] = label;
            double phase = rng.NextDouble() * Math.PI * 2, contrast = 0.5 + rng.NextDouble();
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    double signal = label switch
                    {
                        0 => Math.Sin(y * 1.3 + phase),
                        1 => Math.Sin(x * 1.3 + phase),
                        _ => Math.Exp(-((x - size / 2.0) * (x - size / 2.0) + (y - size / 2.0) * (y - size / 2.0)) / 8.0) * 2 - 0.5,
                    };
                    images[(i * size + y) * size + x] = (float)(contrast * signal + 0.3 * (rng.NextDouble() * 2 - 1));
                }
        }
        return (images, labels);
    }
}

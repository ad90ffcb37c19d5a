namespace OnnxMec.Data;

/// <summary>
/// torchvision's RandomResizedCrop: a crop whose area is a uniform fraction in [scale] of the image
/// and whose aspect ratio is log-uniform in [3/4, 4/3] (ten tries, then a centre crop), resized to
/// size × size.
/// </summary>
public sealed class RandomResizedCrop(int size, double minScale = 0.2, double maxScale = 1.0) : IAugmentation
{
    private const double MinRatio = 3.0 / 4, MaxRatio = 4.0 / 3;

    public int Size { get; } = size;

    public FloatImage Apply(FloatImage image, FloatImage spare, ref SampleRandom rng)
    {
        var (top, left, h, w) = SampleCrop(image.Height, image.Width, minScale, maxScale, ref rng);
        Resampling.CropResize(image, top, left, h, w, spare, Size);
        return spare;
    }

    public static (int Top, int Left, int Height, int Width) SampleCrop(int height, int width, double minScale, double maxScale, ref SampleRandom rng)
    {
        double area = (double)height * width;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * rng.Uniform(minScale, maxScale);
            double aspect = Math.Exp(rng.Uniform(Math.Log(MinRatio), Math.Log(MaxRatio)));
            int w = (int)Math.Round(Math.Sqrt(target * aspect));
            int h = (int)Math.Round(Math.Sqrt(target / aspect));
            if (w > 0 && h > 0 && w <= width && h <= height)
                return (rng.Next(height - h + 1), rng.Next(width - w + 1), h, w);
        }
        double ratio = (double)width / height;
        int cw = width, ch = height;
        if (ratio < MinRatio) ch = (int)Math.Round(cw / MinRatio);
        else if (ratio > MaxRatio) cw = (int)Math.Round(ch * MaxRatio);
        return ((height - ch) / 2, (width - cw) / 2, ch, cw);
    }
}

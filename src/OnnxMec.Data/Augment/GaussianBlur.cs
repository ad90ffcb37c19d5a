using System.Numerics;

namespace OnnxMec.Data;

/// <summary>
/// With probability p, a Gaussian blur with σ uniform in [σmin, σmax] (pixels), as MoCo v3's
/// recipe; a separable kernel of radius ⌈3σ⌉ with edge pixels repeated.
/// </summary>
public sealed class GaussianBlur(double p, double minSigma = 0.1, double maxSigma = 2.0) : IAugmentation
{
    public double Probability => p;

    [ThreadStatic] private static float[]? _padded;

    /// <summary>output[x] = Σ_k kernel[k] · padded[x + k].</summary>
    private static void Convolve(ReadOnlySpan<float> padded, float[] kernel, Span<float> output, int lanes)
    {
        int x = 0;
        for (; x <= output.Length - lanes; x += lanes)
        {
            var acc = Vector<float>.Zero;
            for (int k = 0; k < kernel.Length; k++) acc += new Vector<float>(padded.Slice(x + k, lanes)) * kernel[k];
            acc.CopyTo(output.Slice(x, lanes));
        }
        for (; x < output.Length; x++)
        {
            float sum = 0;
            for (int k = 0; k < kernel.Length; k++) sum += padded[x + k] * kernel[k];
            output[x] = sum;
        }
    }

    public FloatImage Apply(FloatImage image, FloatImage spare, ref SampleRandom rng)
    {
        if (!rng.Chance(p)) return image;
        double sigma = rng.Uniform(minSigma, maxSigma);
        int radius = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var kernel = new float[2 * radius + 1];
        double total = 0;
        for (int k = -radius; k <= radius; k++) total += kernel[k + radius] = (float)Math.Exp(-k * k / (2 * sigma * sigma));
        for (int k = 0; k < kernel.Length; k++) kernel[k] = (float)(kernel[k] / total);

        spare.Reset(image.Channels, image.Height, image.Width);
        int w = image.Width, h = image.Height, lanes = Vector<float>.Count;
        if (_padded is null || _padded.Length < w + 2 * radius) _padded = new float[w + 2 * radius];
        var padded = _padded.AsSpan(0, w + 2 * radius);
        for (int c = 0; c < image.Channels; c++)
        {
            var src = image.Plane(c);
            var tmp = spare.Plane(c);
            // Horizontal pass into the spare image over a row padded with its edge values, then the
            // vertical pass back; both on whole SIMD vectors.
            for (int y = 0; y < h; y++)
            {
                var row = src.Slice(y * w, w);
                padded[..radius].Fill(row[0]);
                row.CopyTo(padded[radius..]);
                padded[(radius + w)..].Fill(row[w - 1]);
                Convolve(padded, kernel, tmp.Slice(y * w, w), lanes);
            }
            for (int y = 0; y < h; y++)
            {
                var outRow = src.Slice(y * w, w);
                int x = 0;
                for (; x <= w - lanes; x += lanes)
                {
                    var acc = Vector<float>.Zero;
                    for (int k = -radius; k <= radius; k++)
                        acc += new Vector<float>(tmp.Slice(Math.Clamp(y + k, 0, h - 1) * w + x, lanes)) * kernel[k + radius];
                    acc.CopyTo(outRow.Slice(x, lanes));
                }
                for (; x < w; x++)
                {
                    float sum = 0;
                    for (int k = -radius; k <= radius; k++) sum += kernel[k + radius] * tmp[Math.Clamp(y + k, 0, h - 1) * w + x];
                    outRow[x] = sum;
                }
            }
        }
        return image;
    }
}

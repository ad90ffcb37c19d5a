using System.Numerics;

namespace OnnxMec.Data;

/// <summary>
/// torchvision's ColorJitter, applied with probability p: brightness, contrast, saturation and hue
/// factors drawn uniformly (1 ± strength; hue ± strength turns), the four adjustments in a random
/// order, values clamped to [0, 1]. Saturation and hue leave grey images as they are.
/// </summary>
public sealed class ColorJitter(double brightness, double contrast, double saturation, double hue, double p = 0.8) : IAugmentation
{
    public FloatImage Apply(FloatImage image, FloatImage spare, ref SampleRandom rng)
    {
        if (!rng.Chance(p)) return image;
        Span<int> order = [0, 1, 2, 3];
        for (int i = 3; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        float b = (float)rng.Uniform(1 - brightness, 1 + brightness);
        float c = (float)rng.Uniform(1 - contrast, 1 + contrast);
        float s = (float)rng.Uniform(1 - saturation, 1 + saturation);
        float h = (float)rng.Uniform(-hue, hue);
        foreach (int op in order)
        {
            switch (op)
            {
                case 0 when brightness > 0: Brightness(image, b); break;
                case 1 when contrast > 0: Contrast(image, c); break;
                case 2 when saturation > 0 && image.Channels == 3: Saturation(image, s); break;
                case 3 when hue > 0 && image.Channels == 3: RotateHue(image, h); break;
            }
        }
        return image;
    }

    private static void Brightness(FloatImage image, float factor)
    {
        var data = image.Data.AsSpan(0, image.Channels * image.PlaneSize);
        Scale(data, 0, factor);
    }

    /// <summary>v ← clamp(centre + (v − centre)·factor, 0, 1), on SIMD vectors.</summary>
    private static void Scale(Span<float> data, float centre, float factor)
    {
        int lanes = Vector<float>.Count, i = 0;
        var c = new Vector<float>(centre);
        for (; i <= data.Length - lanes; i += lanes)
        {
            var v = new Vector<float>(data.Slice(i, lanes));
            Vector.Clamp(c + (v - c) * factor, Vector<float>.Zero, Vector<float>.One).CopyTo(data.Slice(i, lanes));
        }
        for (; i < data.Length; i++) data[i] = Math.Clamp(centre + (data[i] - centre) * factor, 0f, 1f);
    }

    /// <summary>Blends with the mean grey level of the whole image.</summary>
    private static void Contrast(FloatImage image, float factor)
    {
        int n = image.PlaneSize;
        double mean = 0;
        if (image.Channels == 3)
        {
            Span<float> r = image.Plane(0), g = image.Plane(1), b = image.Plane(2);
            for (int i = 0; i < n; i++) mean += Grayscale.Luma(r[i], g[i], b[i]);
        }
        else
        {
            foreach (float v in image.Plane(0)) mean += v;
        }
        Scale(image.Data.AsSpan(0, image.Channels * n), (float)(mean / n), factor);
    }

    /// <summary>Blends each pixel with its own grey level.</summary>
    private static void Saturation(FloatImage image, float factor)
    {
        Span<float> r = image.Plane(0), g = image.Plane(1), b = image.Plane(2);
        int lanes = Vector<float>.Count, i = 0;
        for (; i <= image.PlaneSize - lanes; i += lanes)
        {
            Vector<float> vr = new(r.Slice(i, lanes)), vg = new(g.Slice(i, lanes)), vb = new(b.Slice(i, lanes));
            var l = vr * 0.299f + vg * 0.587f + vb * 0.114f;
            Vector.Clamp(l + (vr - l) * factor, Vector<float>.Zero, Vector<float>.One).CopyTo(r.Slice(i, lanes));
            Vector.Clamp(l + (vg - l) * factor, Vector<float>.Zero, Vector<float>.One).CopyTo(g.Slice(i, lanes));
            Vector.Clamp(l + (vb - l) * factor, Vector<float>.Zero, Vector<float>.One).CopyTo(b.Slice(i, lanes));
        }
        for (; i < image.PlaneSize; i++)
        {
            float l = Grayscale.Luma(r[i], g[i], b[i]);
            r[i] = Math.Clamp(l + (r[i] - l) * factor, 0f, 1f);
            g[i] = Math.Clamp(l + (g[i] - l) * factor, 0f, 1f);
            b[i] = Math.Clamp(l + (b[i] - l) * factor, 0f, 1f);
        }
    }

    /// <summary>
    /// Rotates the hue by <paramref name="shift"/> turns through HSV, keeping value and saturation:
    /// H/60 = sector of the largest channel plus the others' difference over max − min; back to RGB
    /// in closed form, channel n ∈ {5, 3, 1} = V − (max − min)·clamp(min(k, 4 − k), 0, 1), k = (n + H/60) mod 6.
    /// </summary>
    internal static void RotateHue(FloatImage image, float shift)
    {
        Span<float> r = image.Plane(0), g = image.Plane(1), b = image.Plane(2);
        int lanes = Vector<float>.Count, i = 0;
        var tiny = new Vector<float>(1e-12f);
        var six = new Vector<float>(6f);
        for (; i <= image.PlaneSize - lanes; i += lanes)
        {
            Vector<float> vr = new(r.Slice(i, lanes)), vg = new(g.Slice(i, lanes)), vb = new(b.Slice(i, lanes));
            var max = Vector.Max(vr, Vector.Max(vg, vb));
            var delta = max - Vector.Min(vr, Vector.Min(vg, vb));
            var safe = Vector.Max(delta, tiny);
            var sector = Vector.ConditionalSelect(Vector.Equals(max, vr), (vg - vb) / safe,
                Vector.ConditionalSelect(Vector.Equals(max, vg), new Vector<float>(2f) + (vb - vr) / safe, new Vector<float>(4f) + (vr - vg) / safe));
            var h6 = sector + new Vector<float>(6 * shift);
            h6 -= six * Vector.Floor(h6 / six);
            (max - delta * Channel(h6 + new Vector<float>(5f))).CopyTo(r.Slice(i, lanes));
            (max - delta * Channel(h6 + new Vector<float>(3f))).CopyTo(g.Slice(i, lanes));
            (max - delta * Channel(h6 + Vector<float>.One)).CopyTo(b.Slice(i, lanes));
        }
        for (; i < image.PlaneSize; i++)
        {
            float red = r[i], green = g[i], blue = b[i];
            float max = MathF.Max(red, MathF.Max(green, blue)), delta = max - MathF.Min(red, MathF.Min(green, blue));
            float safe = MathF.Max(delta, 1e-12f);
            float sector = max == red ? (green - blue) / safe : max == green ? 2 + (blue - red) / safe : 4 + (red - green) / safe;
            float h6 = sector + 6 * shift;
            h6 -= 6 * MathF.Floor(h6 / 6);
            r[i] = max - delta * Channel(h6 + 5);
            g[i] = max - delta * Channel(h6 + 3);
            b[i] = max - delta * Channel(h6 + 1);
        }
    }

    private static Vector<float> Channel(Vector<float> n)
    {
        var k = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(n, new Vector<float>(6f)), n - new Vector<float>(6f), n);
        return Vector.Clamp(Vector.Min(k, new Vector<float>(4f) - k), Vector<float>.Zero, Vector<float>.One);
    }

    private static float Channel(float n)
    {
        float k = n >= 6 ? n - 6 : n;
        return Math.Clamp(MathF.Min(k, 4 - k), 0f, 1f);
    }
}

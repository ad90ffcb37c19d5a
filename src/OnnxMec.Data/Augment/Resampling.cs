using System.Numerics;

namespace OnnxMec.Data;

/// <summary>
/// Separable resampling with a triangle (bilinear) filter whose support widens with the shrink
/// factor, as PIL's antialiased bilinear resize: upscaling interpolates, downscaling averages.
/// Sample positions use half-pixel centres. The vertical pass runs first, on whole SIMD vectors
/// across the crop's width, so the scalar horizontal pass only touches output rows.
/// </summary>
internal static class Resampling
{
    [ThreadStatic] private static float[]? _columns;
    [ThreadStatic] private static float[]? _transposed;
    [ThreadStatic] private static float[]? _result;

    /// <summary>Per output index: the first source index, and <c>taps</c> weights from there (zero-padded).</summary>
    private readonly record struct Filter(int[] Start, float[] Weights, int Taps);

    private static Filter Make(int srcStart, int srcLength, int srcLimit, int dstLength)
    {
        double scale = (double)srcLength / dstLength;
        double support = Math.Max(1.0, scale);
        int taps = (int)Math.Ceiling(2 * support) + 2;
        var starts = new int[dstLength];
        var weights = new float[dstLength * taps];
        for (int i = 0; i < dstLength; i++)
        {
            double centre = srcStart + (i + 0.5) * scale;
            int lo = Math.Max(0, (int)Math.Floor(centre - support));
            int hi = Math.Min(Math.Min(srcLimit - 1, (int)Math.Ceiling(centre + support)), lo + taps - 1);
            lo = Math.Min(lo, Math.Max(0, srcLimit - taps));
            double total = 0;
            for (int k = lo; k <= hi; k++) total += Math.Max(0, 1 - Math.Abs(k + 0.5 - centre) / support);
            for (int k = lo; k <= hi; k++)
            {
                double value = total > 0 ? Math.Max(0, 1 - Math.Abs(k + 0.5 - centre) / support) / total : (k == Math.Clamp((int)centre, lo, hi) ? 1 : 0);
                weights[i * taps + k - lo] = (float)value;
            }
            starts[i] = lo;
        }
        return new Filter(starts, weights, taps);
    }

    /// <summary>b[j, i] = a[i, j] for an r × c matrix a, in cache-sized blocks.</summary>
    private static void Transpose(float[] a, int r, int c, Span<float> b)
    {
        const int block = 32;
        for (int i0 = 0; i0 < r; i0 += block)
            for (int j0 = 0; j0 < c; j0 += block)
            {
                int i1 = Math.Min(r, i0 + block), j1 = Math.Min(c, j0 + block);
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++) b[j * r + i] = a[i * c + j];
            }
    }

    /// <summary>Resamples the crop (top, left, h, w) of <paramref name="src"/> to size × size into <paramref name="dst"/>.</summary>
    public static void CropResize(FloatImage src, int top, int left, int h, int w, FloatImage dst, int size)
    {
        var fx = Make(left, w, src.Width, size);
        var fy = Make(top, h, src.Height, size);
        int colFirst = fx.Start.Min(), colLast = Math.Min(src.Width - 1, fx.Start.Max() + fx.Taps - 1), cols = colLast - colFirst + 1;
        dst.Reset(src.Channels, size, size);
        if (_columns is null || _columns.Length < size * cols) _columns = new float[size * cols];
        if (_transposed is null || _transposed.Length < size * cols) _transposed = new float[size * cols];
        if (_result is null || _result.Length < size * size) _result = new float[size * size];
        var columns = _columns;
        int lanes = Vector<float>.Count;
        for (int c = 0; c < src.Channels; c++)
        {
            var plane = src.Plane(c);
            // Vertical: output row y of the crop's columns = Σ_k wy[k] · source row (start + k).
            for (int y = 0; y < size; y++)
            {
                var target = columns.AsSpan(y * cols, cols);
                int first = fy.Start[y];
                int x = 0;
                for (; x <= cols - lanes; x += lanes)
                {
                    var acc = Vector<float>.Zero;
                    for (int k = 0; k < fy.Taps; k++)
                    {
                        float wk = fy.Weights[y * fy.Taps + k];
                        if (wk != 0) acc += new Vector<float>(plane.Slice((first + k) * src.Width + colFirst + x, lanes)) * wk;
                    }
                    acc.CopyTo(target.Slice(x, lanes));
                }
                for (; x < cols; x++)
                {
                    float sum = 0;
                    for (int k = 0; k < fy.Taps; k++)
                    {
                        float wk = fy.Weights[y * fy.Taps + k];
                        if (wk != 0) sum += plane[(first + k) * src.Width + colFirst + x] * wk;
                    }
                    target[x] = sum;
                }
            }
            // Horizontal, on the transposed columns so it too runs on SIMD vectors (across rows):
            // outᵀ[x] = Σ_k wx[k] · columnsᵀ[start + k], then transposed back.
            Transpose(columns, size, cols, _transposed);
            for (int x = 0; x < size; x++)
            {
                var target = _result!.AsSpan(x * size, size);
                int first = fx.Start[x] - colFirst, o = x * fx.Taps;
                int y = 0;
                for (; y <= size - lanes; y += lanes)
                {
                    var acc = Vector<float>.Zero;
                    for (int k = 0; k < fx.Taps && first + k < cols; k++)
                    {
                        float wk = fx.Weights[o + k];
                        if (wk != 0) acc += new Vector<float>(_transposed.AsSpan((first + k) * size + y, lanes)) * wk;
                    }
                    acc.CopyTo(target.Slice(y, lanes));
                }
                for (; y < size; y++)
                {
                    float sum = 0;
                    for (int k = 0; k < fx.Taps && first + k < cols; k++) sum += _transposed![(first + k) * size + y] * fx.Weights[o + k];
                    target[y] = sum;
                }
            }
            Transpose(_result, size, size, dst.Plane(c));
        }
    }
}

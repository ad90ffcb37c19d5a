namespace OnnxMec.GraphEngine;

/// <summary>Gradients of convolution and pooling, in the decompositions measured fastest on ORT's CPU provider.</summary>
internal static class ConvolutionRules
{
    public static Value?[] Conv(GradientContext c)
    {
        var (x, w, dy) = (c.X(0), c.X(1), c.D);
        var k = w.Shape.Sizes;
        var win = Window2d.From(c.Node, [k[2], k[3]]);
        return c.Grads(
            () => DataGradient(c.G, dy, w, win, x.Shape),
            () => WeightGradient(c.G, x, dy, win, k),
            () => c.G.ReduceSum(dy, [0, 2, 3]));
    }

    /// <summary>
    /// dX: for stride 1, a Conv of dY with W flipped and its channels swapped, padded by k − 1 − p
    /// (ORT runs Conv faster than ConvTranspose); otherwise ConvTranspose(dY, W) with the output
    /// padding that restores the input's size.
    /// </summary>
    private static Value DataGradient(GraphBuilder g, Value dy, Value w, Window2d win, Shape input)
    {
        long kh = win.Kernel[0], kw = win.Kernel[1];
        long[] pads = [kh - 1 - win.Pads[0], kw - 1 - win.Pads[1], kh - 1 - win.Pads[2], kw - 1 - win.Pads[3]];
        if (win.Strides.All(s => s == 1) && win.Dilations.All(d => d == 1) && pads.All(p => p >= 0))
        {
            var swapped = g.Transpose(w, 1, 0, 2, 3);
            var flipped = kh * kw == 1 ? swapped : g.Slice(swapped, [-1, -1], [long.MinValue, long.MinValue], [2, 3], [-1, -1], "flip");
            return g.Conv(dy, flipped, null, new Window2d([kh, kw], [1, 1], pads, [1, 1]), "dx");
        }
        var outputPadding = new long[2];
        for (int i = 0; i < 2; i++)
        {
            long covered = (dy.Shape[2 + i].Size - 1) * win.Strides[i] - win.Pads[i] - win.Pads[i + 2] + win.Dilations[i] * (win.Kernel[i] - 1) + 1;
            outputPadding[i] = input[2 + i].Size - covered;
        }
        return g.ConvTranspose(dy, w, win, outputPadding, "dx");
    }

    /// <summary>
    /// dW[o, c, i, j] = Σ_{n,p} dY[n, o, p] · Xpad[n, c, p·s + (i, j)·d]: one GEMM per kernel tap
    /// over a once-transposed (NHWC) input, a single one for 1×1. The orientation is the one
    /// measured faster in ResNet-18 steps on ORT CPU (MLAS, tools: bench step --profile):
    /// [O, N·P]·[N·P, C] for fewer than 128 input channels (width 1.0, 64 channels: 629 vs 778 ms
    /// per step; width 0.25, 32 channels: 104 vs 122 ms), tapᵀ·dY with dY's rows NHWC from 128 on
    /// (width 1.0, 128–512 channels: 971 vs 1187 ms; width 0.25, 128: 55 vs 65 ms). One im2col
    /// GEMM over the concatenated taps was slower in both configurations (Concat of 9 taps), and
    /// also for resnet18-mini's 8-channel layer1 and 1-channel stem, where a per-tap GEMM is only
    /// [8, N·P]·[N·P, 8]: batch 128 at 2 threads, 633–658 vs 566–609 ms per step (the GEMMs took
    /// the same time; the Concat added ~57 ms).
    /// </summary>
    private static Value WeightGradient(GraphBuilder g, Value x, Value dy, Window2d win, long[] k)
    {
        long oh = dy.Shape[2].Size, ow = dy.Shape[3].Size;
        bool outputMajor = k[1] < 128;
        Dim rows = Dim.Product([dy.Shape[0], dy.Shape[2], dy.Shape[3]]);
        var dyRows = outputMajor
            ? g.Reshape(g.Transpose(dy, 1, 0, 2, 3), new Shape(dy.Shape[1], rows))
            : g.Reshape(g.Transpose(dy, 0, 2, 3, 1), new Shape(rows, dy.Shape[1]));
        var padded = win.Pads.Any(p => p != 0)
            ? g.Pad(x, [0, 0, win.Pads[0], win.Pads[1], 0, 0, win.Pads[2], win.Pads[3]])
            : x;
        var nhwc = g.Transpose(padded, 0, 2, 3, 1);
        var taps = new List<Value>();
        for (long i = 0; i < k[2]; i++)
            for (long j = 0; j < k[3]; j++)
            {
                long r0 = i * win.Dilations[0], c0 = j * win.Dilations[1];
                var tap = g.Reshape(k[2] * k[3] == 1 && win.Strides.All(s => s == 1)
                    ? nhwc
                    : g.Slice(nhwc, [r0, c0], [r0 + (oh - 1) * win.Strides[0] + 1, c0 + (ow - 1) * win.Strides[1] + 1], [1, 2], [win.Strides[0], win.Strides[1]], "tap"),
                    new Shape(rows, x.Shape[1]));
                taps.Add(outputMajor
                    ? g.Reshape(g.MatMul(dyRows, tap, "dw_tap"), new Shape(k[0], k[1], 1))
                    : g.Reshape(g.Gemm(tap, dyRows, transA: true, name: "dw_tap"), new Shape(1, k[1], k[0])));
            }
        if (outputMajor) return g.Reshape(taps.Count == 1 ? taps[0] : g.Concat(taps, 2, "dw_taps"), Shape.Of(k), "dw");
        var stacked = taps.Count == 1 ? taps[0] : g.Concat(taps, 0, "dw_taps");
        return g.Transpose(g.Reshape(stacked, new Shape(k[2], k[3], k[1], k[0])), 3, 2, 0, 1);
    }

    // Each output's gradient goes back to the position its maximum came from; Indices are flat
    // NCHW positions, so a ScatterElements(add) into a flat zero tensor is exact, overlaps included.
    public static Value?[] MaxPool(GradientContext c)
    {
        var (g, x) = (c.G, c.X(0));
        var flat = new Shape(x.Shape.ElementCount);
        var scattered = g.ScatterElements(g.Reshape(g.ZerosLike(x), flat), g.Reshape(c.Y(1), new Shape(c.D.Shape.ElementCount)),
            g.Reshape(c.D, new Shape(c.D.Shape.ElementCount)), 0, "add");
        return [g.Reshape(scattered, x.Shape)];
    }

    // Every input under a window gets dY / (window count); the counts exclude padding unless
    // count_include_pad. A ConvTranspose with a ones kernel spreads each output over its window.
    public static Value?[] AveragePool(GradientContext c)
    {
        var (g, x, dy) = (c.G, c.X(0), c.D);
        var win = Window2d.From(c.Node, c.Node.Ints("kernel_shape")!);
        bool includePad = c.Node.Int("count_include_pad", 0) != 0;
        long oh = dy.Shape[2].Size, ow = dy.Shape[3].Size, h = x.Shape[2].Size, w = x.Shape[3].Size;
        var counts = new double[oh * ow];
        for (long a = 0; a < oh; a++)
            for (long b = 0; b < ow; b++)
                counts[a * ow + b] = includePad
                    ? win.Kernel[0] * win.Kernel[1]
                    : Covered(a * win.Strides[0] - win.Pads[0], win.Kernel[0], h) * Covered(b * win.Strides[1] - win.Pads[1], win.Kernel[1], w);
        var scaled = g.Div(dy, g.Constant(TensorData.Real(dy.DType, counts, oh, ow)));
        Dim planes = Dim.Product([x.Shape[0], x.Shape[1]]);
        var ones = g.Constant(TensorData.Real(dy.DType, Enumerable.Repeat(1.0, (int)(win.Kernel[0] * win.Kernel[1])).ToArray(), 1, 1, win.Kernel[0], win.Kernel[1]));
        var perPlane = g.Reshape(scaled, new Shape(planes, 1, oh, ow));
        var outputPadding = new long[2];
        for (int i = 0; i < 2; i++)
            outputPadding[i] = x.Shape[2 + i].Size - ((dy.Shape[2 + i].Size - 1) * win.Strides[i] - win.Pads[i] - win.Pads[i + 2] + win.Kernel[i]);
        var spread = g.ConvTranspose(perPlane, ones, win, outputPadding, "dx");
        return [g.Reshape(spread, x.Shape)];
    }

    private static long Covered(long start, long kernel, long size) => Math.Min(start + kernel, size) - Math.Max(start, 0);

    public static Value?[] GlobalAveragePool(GradientContext c)
    {
        var x = c.X(0);
        long area = x.Shape[2].Size * x.Shape[3].Size;
        return [c.G.ExpandAs(c.G.Div(c.D, area), x)];
    }
}

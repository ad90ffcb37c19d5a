namespace OnnxMec.GraphEngine;

/// <summary>Spatial geometry of a 2-D convolution or pooling window: kernel, strides, pads (begin…, end…), dilations.</summary>
public sealed record Window2d(long[] Kernel, long[] Strides, long[] Pads, long[] Dilations)
{
    public static Window2d Of(long kernel, long stride = 1, long pad = 0, long dilation = 1) =>
        new([kernel, kernel], [stride, stride], [pad, pad, pad, pad], [dilation, dilation]);

    public static Window2d From(Node node, long[] kernel) => new(
        kernel,
        node.Ints("strides") ?? [1, 1],
        node.Ints("pads") ?? [0, 0, 0, 0],
        node.Ints("dilations") ?? [1, 1]);

    /// <summary>Output size along spatial axis i for an input of size n (floor mode).</summary>
    public long OutputSize(int i, long n) => (n + Pads[i] + Pads[i + 2] - Dilations[i] * (Kernel[i] - 1) - 1) / Strides[i] + 1;

    internal void SetAttributes(Node node, bool withDilations = true)
    {
        node.SetAttribute("kernel_shape", Kernel);
        node.SetAttribute("strides", Strides);
        node.SetAttribute("pads", Pads);
        if (withDilations) node.SetAttribute("dilations", Dilations);
    }
}

public sealed partial class GraphBuilder
{
    private Shape SpatialOutput(string opType, string hint, Value x, Dim channels, Window2d w)
    {
        if (x.Rank != 4) throw Misfit(opType, hint, $"input '{x.Name}' must be NCHW, got {x.Shape}");
        var dims = new Dim[4];
        dims[0] = x.Shape[0];
        dims[1] = channels;
        for (int i = 0; i < 2; i++)
        {
            Dim n = x.Shape[2 + i];
            if (!n.IsStatic) throw Misfit(opType, hint, $"spatial sizes must be static, got {x.Shape}");
            long o = w.OutputSize(i, n.Size);
            if (o < 1) throw Misfit(opType, hint, $"window {string.Join("x", w.Kernel)} does not fit input {x.Shape} with pads [{string.Join(",", w.Pads)}]");
            dims[2 + i] = o;
        }
        return new Shape(dims);
    }

    /// <summary>2-D convolution, group 1; weight is [out, in, kh, kw] as PyTorch's.</summary>
    public Value Conv(Value x, Value weight, Value? bias, long stride = 1, long pad = 0, long dilation = 1, string? name = null)
    {
        if (weight.Rank != 4 || !weight.Shape.IsStatic) throw Misfit("Conv", name ?? "conv", $"weight '{weight.Name}' must be a static [out,in,kh,kw], got {weight.Shape}");
        var k = weight.Shape.Sizes;
        return Conv(x, weight, bias, new Window2d([k[2], k[3]], [stride, stride], [pad, pad, pad, pad], [dilation, dilation]), name);
    }

    public Value Conv(Value x, Value weight, Value? bias, Window2d w, string? name = null)
    {
        string hint = name ?? "conv";
        SameType("Conv", hint, bias is null ? [x, weight] : [x, weight, bias]);
        if (weight.Shape[1] != x.Shape[1])
            throw Misfit("Conv", hint, $"input '{x.Name}' {x.Shape} has {x.Shape[1]} channels, weight '{weight.Name}' {weight.Shape} expects {weight.Shape[1]}");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0]))
            throw Misfit("Conv", hint, $"bias '{bias.Name}' {bias.Shape} must be [{weight.Shape[0]}]");
        var shape = SpatialOutput("Conv", hint, x, weight.Shape[0], w);
        return Emit("Conv", bias is null ? [x, weight] : [x, weight, bias], [(x.DType, shape)], n => w.SetAttributes(n), hint)[0];
    }

    /// <summary>2-D transposed convolution with an explicit output_padding; weight is [in, out, kh, kw].</summary>
    public Value ConvTranspose(Value x, Value weight, Window2d w, long[] outputPadding, string? name = null)
    {
        string hint = name ?? "conv_transpose";
        SameType("ConvTranspose", hint, x, weight);
        if (weight.Shape[0] != x.Shape[1])
            throw Misfit("ConvTranspose", hint, $"input '{x.Name}' {x.Shape} has {x.Shape[1]} channels, weight '{weight.Name}' {weight.Shape} expects {weight.Shape[0]}");
        var dims = new Dim[4];
        dims[0] = x.Shape[0];
        dims[1] = weight.Shape[1];
        for (int i = 0; i < 2; i++)
            dims[2 + i] = (x.Shape[2 + i].Size - 1) * w.Strides[i] + outputPadding[i] + (w.Kernel[i] - 1) * w.Dilations[i] + 1 - w.Pads[i] - w.Pads[i + 2];
        return Emit("ConvTranspose", [x, weight], [(x.DType, new Shape(dims))], n =>
        {
            w.SetAttributes(n);
            n.SetAttribute("output_padding", outputPadding);
        }, hint)[0];
    }

    /// <summary>Max pooling; returns the pooled values and the flat NCHW indices of each maximum (used by its gradient).</summary>
    public (Value Y, Value Indices) MaxPool(Value x, Window2d w, string? name = null)
    {
        string hint = name ?? "maxpool";
        var shape = SpatialOutput("MaxPool", hint, x, x.Shape[1], w);
        var outs = Emit("MaxPool", [x], [(x.DType, shape), (DType.Int64, shape)], n => w.SetAttributes(n), hint);
        return (outs[0], outs[1]);
    }

    public Value AveragePool(Value x, Window2d w, bool countIncludePad = false, string? name = null)
    {
        string hint = name ?? "avgpool";
        if (w.Dilations.Any(d => d != 1)) throw Misfit("AveragePool", hint, "dilation is not supported");
        var shape = SpatialOutput("AveragePool", hint, x, x.Shape[1], w);
        return Emit("AveragePool", [x], [(x.DType, shape)], n =>
        {
            w.SetAttributes(n, withDilations: false);
            if (countIncludePad) n.SetAttribute("count_include_pad", 1L);
        }, hint)[0];
    }

    public Value GlobalAveragePool(Value x, string? name = null)
    {
        string hint = name ?? "global_avgpool";
        if (x.Rank != 4) throw Misfit("GlobalAveragePool", hint, $"input '{x.Name}' must be NCHW, got {x.Shape}");
        return Emit("GlobalAveragePool", [x], [(x.DType, new Shape(x.Shape[0], x.Shape[1], 1, 1))], hint: hint)[0];
    }

    /// <summary>Constant padding; pads are (begin…, end…) over all axes, as ONNX's.</summary>
    public Value Pad(Value x, long[] pads, double value = 0, string? name = null)
    {
        string hint = name ?? "pad";
        if (pads.Length != 2 * x.Rank) throw Misfit("Pad", hint, $"needs {2 * x.Rank} pads for {x.Shape}, got {pads.Length}");
        var dims = new Dim[x.Rank];
        for (int i = 0; i < x.Rank; i++)
        {
            long extra = pads[i] + pads[i + x.Rank];
            if (extra == 0) { dims[i] = x.Shape[i]; continue; }
            if (!x.Shape[i].IsStatic) throw Misfit("Pad", hint, $"cannot pad symbolic axis {i} of {x.Shape}");
            dims[i] = x.Shape[i].Size + extra;
        }
        return Emit("Pad", [x, Ints(pads), Scalar(value, x.DType)], [(x.DType, new Shape(dims))], hint: hint)[0];
    }
}

using OnnxMec.Formats;

namespace OnnxMec.Graphs;

/// <summary>
/// torchvision's ResNet (v1.5: stride in the 3×3 conv of a bottleneck) without its classifier:
/// images → globally pooled features. The "cifar" stem is the 3×3 stride-1 conv without max-pool
/// of the MEC paper's CIFAR runs; a width multiplier scales every stage.
/// </summary>
public static class ResNet
{
    private static readonly int[] BaseWidths = [64, 128, 256, 512];

    public static (bool Bottleneck, int[] Blocks) Layout(string arch) => arch switch
    {
        "resnet18" => (false, [2, 2, 2, 2]),
        "resnet34" => (false, [3, 4, 6, 3]),
        "resnet50" => (true, [3, 4, 6, 3]),
        _ => throw new ArgumentException($"unknown arch '{arch}' (resnet18, resnet34, resnet50)"),
    };

    /// <summary>Stage widths after the multiplier (rounded, at least 1).</summary>
    public static long[] Widths(double width) => BaseWidths.Select(c => (long)Math.Max(1, Math.Round(c * width))).ToArray();

    /// <summary>The size of the pooled feature vector.</summary>
    public static long FeatureDim(ArtifactConfig c) => Widths(c.Width)[^1] * (Layout(c.Arch).Bottleneck ? 4 : 1);

    public static Value Features(ModelWeights w, Value images, ArtifactConfig c)
    {
        var g = w.G;
        var (bottleneck, blocks) = Layout(c.Arch);
        var widths = Widths(c.Width);
        Value h = c.Stem == "imagenet"
            ? Modules.ConvBn(w, "conv1", "bn1", images, widths[0], 7, 2, 3)
            : Modules.ConvBn(w, "conv1", "bn1", images, widths[0], 3, 1, 1);
        h = g.Relu(h);
        if (c.Stem == "imagenet") h = g.MaxPool(h, Window2d.Of(3, 2, 1), "maxpool").Y;
        for (int stage = 0; stage < 4; stage++)
        {
            using var _ = w.Module($"layer{stage + 1}");
            for (int b = 0; b < blocks[stage]; b++)
            {
                using var __ = w.Module(b.ToString(System.Globalization.CultureInfo.InvariantCulture));
                long stride = stage > 0 && b == 0 ? 2 : 1;
                h = bottleneck ? Bottleneck(w, h, widths[stage], stride, c.ZeroInitResidual) : BasicBlock(w, h, widths[stage], stride, c.ZeroInitResidual);
            }
        }
        return g.Flatten(g.GlobalAveragePool(h, "avgpool"));
    }

    private static Value BasicBlock(ModelWeights w, Value x, long planes, long stride, bool zeroInit)
    {
        var g = w.G;
        var h = g.Relu(Modules.ConvBn(w, "conv1", "bn1", x, planes, 3, stride, 1));
        h = Modules.ConvBn(w, "conv2", "bn2", h, planes, 3, 1, 1, zeroGamma: zeroInit);
        return g.Relu(g.Add(h, Shortcut(w, x, planes, stride), "residual"));
    }

    private static Value Bottleneck(ModelWeights w, Value x, long planes, long stride, bool zeroInit)
    {
        var g = w.G;
        var h = g.Relu(Modules.ConvBn(w, "conv1", "bn1", x, planes, 1));
        h = g.Relu(Modules.ConvBn(w, "conv2", "bn2", h, planes, 3, stride, 1));
        h = Modules.ConvBn(w, "conv3", "bn3", h, planes * 4, 1, zeroGamma: zeroInit);
        return g.Relu(g.Add(h, Shortcut(w, x, planes * 4, stride), "residual"));
    }

    /// <summary>Identity, or torchvision's downsample (1×1 conv with the block's stride, BN) where the shape changes.</summary>
    private static Value Shortcut(ModelWeights w, Value x, long outChannels, long stride)
    {
        if (stride == 1 && x.Shape[1].Size == outChannels) return x;
        using var _ = w.Module("downsample");
        return Modules.ConvBn(w, "0", "1", x, outChannels, 1, stride);
    }
}

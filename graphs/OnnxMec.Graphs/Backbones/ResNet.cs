using OnnxMec.Contract;
using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>
/// torchvision's ResNet (v1.5: stride in the 3×3 conv of a bottleneck) without its classifier:
/// images → globally pooled features. The "cifar" stem is the 3×3 stride-1 conv without max-pool
/// of the MEC paper's CIFAR runs; a width multiplier scales every stage.
/// </summary>
public sealed record ResNet(bool Bottleneck, int[] Blocks) : IBackbone
{
    private static readonly int[] BaseWidths = [64, 128, 256, 512];
    public static readonly string[] Stems = ["imagenet", "cifar"];

    /// <summary>Stage widths after the multiplier (rounded, at least 1).</summary>
    public static long[] Widths(double width) => BaseWidths.Select(c => (long)Math.Max(1, Math.Round(c * width))).ToArray();

    public IReadOnlyList<string> Validate(ArtifactConfig config) =>
        Stems.Contains(config.Stem) ? [] : [$"stem: '{config.Stem}' is not {string.Join(" or ", Stems)}"];

    public long FeatureDim(ArtifactConfig config) => Widths(config.Width)[^1] * (Bottleneck ? 4 : 1);

    public Value Features(ModelWeights w, Value images, ArtifactConfig c)
    {
        var g = w.G;
        var widths = Widths(c.Width);
        bool imagenet = c.Stem == "imagenet";
        Value h = imagenet
            ? Layers.ConvBn(w, "conv1", "bn1", images, widths[0], 7, 2, 3)
            : Layers.ConvBn(w, "conv1", "bn1", images, widths[0], 3, 1, 1);
        h = g.Relu(h);
        if (imagenet) h = g.MaxPool(h, Window2d.Of(3, 2, 1), "maxpool").Y;
        for (int stage = 0; stage < 4; stage++)
        {
            using var _ = w.Module($"layer{stage + 1}");
            for (int b = 0; b < Blocks[stage]; b++)
            {
                using var __ = w.Module(b.ToString(System.Globalization.CultureInfo.InvariantCulture));
                long stride = stage > 0 && b == 0 ? 2 : 1;
                h = Bottleneck ? BottleneckBlock(w, h, widths[stage], stride, c.ZeroInitResidual) : BasicBlock(w, h, widths[stage], stride, c.ZeroInitResidual);
            }
        }
        return g.Flatten(g.GlobalAveragePool(h, "avgpool"));
    }

    private static Value BasicBlock(ModelWeights w, Value x, long planes, long stride, bool zeroInit)
    {
        var g = w.G;
        var h = g.Relu(Layers.ConvBn(w, "conv1", "bn1", x, planes, 3, stride, 1));
        h = Layers.ConvBn(w, "conv2", "bn2", h, planes, 3, 1, 1, zeroGamma: zeroInit);
        return g.Relu(g.Add(h, Shortcut(w, x, planes, stride), "residual"));
    }

    private static Value BottleneckBlock(ModelWeights w, Value x, long planes, long stride, bool zeroInit)
    {
        var g = w.G;
        var h = g.Relu(Layers.ConvBn(w, "conv1", "bn1", x, planes, 1));
        h = g.Relu(Layers.ConvBn(w, "conv2", "bn2", h, planes, 3, stride, 1));
        h = Layers.ConvBn(w, "conv3", "bn3", h, planes * 4, 1, zeroGamma: zeroInit);
        return g.Relu(g.Add(h, Shortcut(w, x, planes * 4, stride), "residual"));
    }

    /// <summary>Identity, or torchvision's downsample (1×1 conv with the block's stride, BN) where the shape changes.</summary>
    private static Value Shortcut(ModelWeights w, Value x, long outChannels, long stride)
    {
        if (stride == 1 && x.Shape[1].Size == outChannels) return x;
        using var _ = w.Module("downsample");
        return Layers.ConvBn(w, "0", "1", x, outChannels, 1, stride);
    }
}

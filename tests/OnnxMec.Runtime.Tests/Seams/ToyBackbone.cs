using OnnxMec.Graphs;

namespace OnnxMec.Runtime.Tests.Seams;

/// <summary>A backbone added through the seam alone: one conv–BN–ReLU stage with 8·width channels, globally pooled.</summary>
internal sealed class ToyBackbone : IBackbone
{
    public IReadOnlyList<string> Validate(ArtifactConfig config) => config.ImageSize <= 64 ? [] : [$"image_size: {config.ImageSize} is too large for the toy"];

    public long FeatureDim(ArtifactConfig config) => Channels(config);

    public Value Features(ModelWeights weights, Value images, ArtifactConfig config)
    {
        var h = weights.G.Relu(Layers.ConvBn(weights, "stem", "stem_bn", images, Channels(config), kernel: 3, stride: 2, pad: 1));
        return weights.G.Flatten(weights.G.GlobalAveragePool(h));
    }

    private static long Channels(ArtifactConfig config) => (long)Math.Max(1, Math.Round(8 * config.Width));
}

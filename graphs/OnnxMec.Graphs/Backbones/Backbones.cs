namespace OnnxMec.Graphs;

/// <summary>The backbones an artifact set can be built with, by the name its config's <c>arch</c> gives.</summary>
public static class Backbones
{
    public static Registry<IBackbone> All { get; } = new("arch", "backbone",
    [
        new("resnet18", new ResNet(Bottleneck: false, Blocks: [2, 2, 2, 2])),
        new("resnet34", new ResNet(Bottleneck: false, Blocks: [3, 4, 6, 3])),
        new("resnet50", new ResNet(Bottleneck: true, Blocks: [3, 4, 6, 3])),
    ]);
}

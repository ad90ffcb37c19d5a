using OnnxMec.Contract;

namespace OnnxMec.Graphs;

/// <summary>The named artifact sets committed under artifacts/.</summary>
public static class ArtifactPresets
{
    public static IReadOnlyDictionary<string, ArtifactConfig> All { get; } = new SortedDictionary<string, ArtifactConfig>(StringComparer.Ordinal)
    {
        // The quickstart's model: the peer's calibrated "fast" quickstart network (width 0.125,
        // 1-channel 28×28, projector 512, predictor 128, no zero-init), which learns on
        // Fashion-MNIST within minutes on 2 cores.
        ["resnet18-mini"] = new()
        {
            Arch = "resnet18", Stem = "cifar", Width = 0.125, ImageSize = 28, Channels = 1,
            ProjectorDims = [512, 512], PredictorHidden = 128, WeightDecay = 5e-4, ZeroInitResidual = false,
        },
        // CIFAR-10 as in the paper's appendix B and the peer's speed benchmark.
        ["resnet18-cifar"] = new()
        {
            Arch = "resnet18", Stem = "cifar", Width = 1.0, ImageSize = 32, Channels = 3,
            ProjectorDims = [2048, 2048], PredictorHidden = 512, WeightDecay = 5e-4,
        },
        // ImageNet as the reference code trains it: 3-layer 2048-dim projector, SGD wd 1e-5.
        ["resnet50"] = new()
        {
            Arch = "resnet50", Stem = "imagenet", Width = 1.0, ImageSize = 224, Channels = 3,
            ProjectorDims = [2048, 2048, 2048], PredictorHidden = 512, WeightDecay = 1e-5,
        },
    };
}

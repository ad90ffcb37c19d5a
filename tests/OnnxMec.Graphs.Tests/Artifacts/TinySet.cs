using OnnxMec.Contract;

namespace OnnxMec.Graphs.Tests.Artifacts;

/// <summary>A very small artifact set (4-channel ResNet-18 on 8×8 grey images) for checks that run graphs many times.</summary>
internal static class TinySet
{
    public static ArtifactConfig Config(string optimizer = "sgd", bool nesterov = false, string form = "batch") => new()
    {
        Arch = "resnet18", Stem = "cifar", Width = 1.0 / 16, ImageSize = 8, Channels = 1,
        ProjectorDims = [16, 16], PredictorHidden = 8, WeightDecay = 1e-3, Optimizer = optimizer, Nesterov = nesterov, Form = form,
        ZeroInitResidual = false,
    };

    public static byte[] Graph(ArtifactSet set, string name) => set.Files.Single(f => f.Name == name + ".onnx").Bytes;

    /// <summary>Two fixed views of a batch of random images: the second a noisy copy of the first.</summary>
    public static (FloatTensor View1, FloatTensor View2) Views(ArtifactConfig c, int batch, int seed)
    {
        long count = (long)batch * c.Channels * c.ImageSize * c.ImageSize;
        var first = TestRandom.Normal(seed, count);
        var noise = TestRandom.Normal(seed + 1, count, 0.3);
        long[] shape = [batch, c.Channels, c.ImageSize, c.ImageSize];
        return (new FloatTensor(first.Select(v => (float)v).ToArray(), shape), new FloatTensor(first.Zip(noise, (a, b) => (float)(a + b)).ToArray(), shape));
    }
}

using OnnxMec.Contract;
using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>
/// torch.nn-like layers over <see cref="ModelWeights"/>: each reads its tensors under its own
/// module name, so keys come out as torchvision's ("layer1.0.conv1.weight", "fc.1.running_var").
/// </summary>
public static class Layers
{
    /// <summary>nn.Conv2d without bias, Kaiming-normal (fan_out) initialised as torchvision's ResNet.</summary>
    public static Value Conv2d(ModelWeights w, string name, Value x, long outChannels, long kernel, long stride = 1, long pad = 0)
    {
        using var _ = w.Module(name);
        var weight = w.Param("weight", [outChannels, x.Shape[1].Size, kernel, kernel], TensorInit.KaimingNormalFanOut);
        return w.G.Conv(x, weight, null, stride, pad);
    }

    /// <summary>
    /// nn.BatchNorm1d/2d (eps 1e-5, momentum 0.1). <paramref name="zeroGamma"/> starts γ at 0, as
    /// torchvision's zero_init_residual does for a residual block's last BN.
    /// </summary>
    public static Value BatchNorm(ModelWeights w, string name, Value x, bool affine = true, bool zeroGamma = false)
    {
        using var _ = w.Module(name);
        long c = x.Shape[1].Size;
        var gamma = affine ? w.Param("weight", [c], zeroGamma ? TensorInit.Zeros : TensorInit.Ones) : null;
        var beta = affine ? w.Param("bias", [c], TensorInit.Zeros) : null;
        var mean = w.Stat("running_mean", [c], TensorInit.Zeros);
        var variance = w.Stat("running_var", [c], TensorInit.Ones);
        if (w.Mode == BnMode.Eval) return BatchNormalization.Eval(w.G, x, gamma, beta, mean, variance);
        var result = BatchNormalization.Train(w.G, x, gamma, beta, mean, variance, momentum: w.Mode == BnMode.BatchStatistics ? 1.0 : 0.1);
        w.UpdateStat("running_mean", result.RunningMean);
        w.UpdateStat("running_var", result.RunningVar);
        return result.Y;
    }

    /// <summary>Conv2d then BatchNorm.</summary>
    public static Value ConvBn(ModelWeights w, string convName, string bnName, Value x, long outChannels, long kernel,
        long stride = 1, long pad = 0, bool zeroGamma = false) =>
        BatchNorm(w, bnName, Conv2d(w, convName, x, outChannels, kernel, stride, pad), zeroGamma: zeroGamma);

    /// <summary>Linear (no bias) then BatchNorm1d.</summary>
    public static Value LinearBn(ModelWeights w, string linearName, string bnName, Value x, long outFeatures, bool affine = true) =>
        BatchNorm(w, bnName, Linear(w, linearName, x, outFeatures, bias: false), affine);

    /// <summary>nn.Linear with PyTorch's default initialisation; weight is [out, in].</summary>
    public static Value Linear(ModelWeights w, string name, Value x, long outFeatures, bool bias = true)
    {
        using var _ = w.Module(name);
        long inFeatures = x.Shape[1].Size;
        var weight = w.Param("weight", [outFeatures, inFeatures], TensorInit.UniformFanIn, inFeatures);
        var b = bias ? w.Param("bias", [outFeatures], TensorInit.UniformFanIn, inFeatures) : null;
        return w.G.Gemm(x, weight, b, transB: true);
    }
}

using OnnxMec.Formats;

namespace OnnxMec.Graphs;

/// <summary>
/// torch.nn-like layers over <see cref="ModelWeights"/>: each reads its tensors under its own
/// module name, so keys come out as torchvision's ("layer1.0.conv1.weight", "fc.1.running_var").
/// </summary>
public static class Modules
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
        if (w.Mode == BnMode.Eval) return Graphs.BatchNorm.Eval(w.G, x, gamma, beta, mean, variance);
        var result = Graphs.BatchNorm.Train(w.G, x, gamma, beta, mean, variance);
        w.UpdateStat("running_mean", result.RunningMean);
        w.UpdateStat("running_var", result.RunningVar);
        return result.Y;
    }

    /// <summary>
    /// Conv2d then BatchNorm. When exporting with folded BN the pair becomes one conv:
    /// W' = W·s, b' = β − μ·s with s = γ / √(σ² + ε) per output channel.
    /// </summary>
    public static Value ConvBn(ModelWeights w, string convName, string bnName, Value x, long outChannels, long kernel,
        long stride = 1, long pad = 0, bool zeroGamma = false)
    {
        if (!w.FoldBatchNorm) return BatchNorm(w, bnName, Conv2d(w, convName, x, outChannels, kernel, stride, pad), zeroGamma: zeroGamma);
        var (scale, shift) = FoldedBatchNorm(w, bnName, outChannels, affine: true);
        using var _ = w.Module(convName);
        var weight = w.ValueOf("weight");
        long perChannel = weight.Length / outChannels;
        var folded = new float[weight.Length];
        for (long o = 0; o < outChannels; o++)
            for (long i = 0; i < perChannel; i++) folded[o * perChannel + i] = (float)(weight[o * perChannel + i] * scale[o]);
        var foldedWeight = w.Folded("weight", [outChannels, x.Shape[1].Size, kernel, kernel], folded);
        var bias = w.Folded("bias", [outChannels], shift);
        return w.G.Conv(x, foldedWeight, bias, stride, pad);
    }

    /// <summary>Linear (no bias) then BatchNorm1d, folded the same way as <see cref="ConvBn"/> when exporting.</summary>
    public static Value LinearBn(ModelWeights w, string linearName, string bnName, Value x, long outFeatures, bool affine = true)
    {
        if (!w.FoldBatchNorm) return BatchNorm(w, bnName, Linear(w, linearName, x, outFeatures, bias: false), affine);
        var (scale, shift) = FoldedBatchNorm(w, bnName, outFeatures, affine);
        using var _ = w.Module(linearName);
        var weight = w.ValueOf("weight");
        long inFeatures = x.Shape[1].Size;
        var folded = new float[weight.Length];
        for (long o = 0; o < outFeatures; o++)
            for (long i = 0; i < inFeatures; i++) folded[o * inFeatures + i] = (float)(weight[o * inFeatures + i] * scale[o]);
        return w.G.Gemm(x, w.Folded("weight", [outFeatures, inFeatures], folded), w.Folded("bias", [outFeatures], shift), transB: true);
    }

    /// <summary>The per-channel scale γ/√(σ²+ε) and shift β − μ·scale of an eval-mode BN, from its known values.</summary>
    private static (double[] Scale, float[] Shift) FoldedBatchNorm(ModelWeights w, string bnName, long channels, bool affine)
    {
        using var _ = w.Module(bnName);
        var mean = w.ValueOf("running_mean");
        var variance = w.ValueOf("running_var");
        var gamma = affine ? w.ValueOf("weight") : null;
        var beta = affine ? w.ValueOf("bias") : null;
        var scale = new double[channels];
        var shift = new float[channels];
        for (long c = 0; c < channels; c++)
        {
            scale[c] = (gamma?[c] ?? 1.0) / Math.Sqrt(variance[c] + Graphs.BatchNorm.Epsilon);
            shift[c] = (float)((beta?[c] ?? 0.0) - mean[c] * scale[c]);
        }
        return (scale, shift);
    }

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

namespace OnnxMec.GraphEngine;

/// <summary>
/// Batch normalisation over the channel axis (1) of [N, C] or [N, C, H, W], built from ruled ops
/// so autodiff differentiates it. ONNX's own BatchNormalization is not used: in training mode its
/// running statistics follow the opposite convention to PyTorch's and it returns no batch
/// statistics, and at ORT_DISABLE_ALL it can write into its inputs' buffers.
/// </summary>
public static class BatchNormalization
{
    /// <summary>PyTorch's default ε.</summary>
    public const double Epsilon = 1e-5;

    /// <summary>The normalised output and the updated running statistics.</summary>
    public sealed record TrainResult(Value Y, Value RunningMean, Value RunningVar);

    /// <summary>
    /// Training mode: normalise with the batch's mean and biased variance; update the running
    /// statistics as PyTorch does: r ← (1 − momentum)·r + momentum·s, with the unbiased variance.
    /// Written for few passes over the activations: σ² = E[x²] − E[x]² from two reductions,
    /// y = a·x + b with per-channel a = γ/σ, b = β − μ·a; and a closed-form gradient that never
    /// materialises x̂: with sums over all axes but the channel's, dβ = Σ dy,
    /// dγ = (Σ dy·x − μ·dβ)/σ, dx = a·dy − (a/n)(dβ + dγ·x̂) = a·dy + P·x + Q.
    /// </summary>
    public static TrainResult Train(GraphBuilder g, Value x, Value? gamma, Value? beta, Value runningMean, Value runningVar,
        double eps = Epsilon, double momentum = 0.1)
    {
        long[] axes = ReducedAxes(x);
        var xs = g.StopGradient(x, "x");
        var count = Dim.Product(axes.Select(a => x.Shape[(int)a]));
        var n = count.IsStatic
            ? g.Scalar(count.Size, x.DType)
            : g.Div(g.Cast(g.Size(x), x.DType), g.Scalar(x.Shape[1].Size, x.DType));
        var mean = g.ReduceMean(xs, axes, keepDims: true, name: "batch_mean");
        var meanSquare = g.Div(g.ReduceSumSquare(xs, axes, keepDims: true, name: "sum_sq"), n);
        var variance = g.Max(g.Sub(meanSquare, g.Mul(mean, mean)), g.Scalar(0, x.DType), "batch_var");
        var inverseStd = g.Div(g.Scalar(1, x.DType), g.Sqrt(g.Add(variance, eps)), "inv_std");
        var gammaS = gamma is null ? null : g.StopGradient(gamma, "gamma");
        var betaS = beta is null ? null : g.StopGradient(beta, "beta");
        var scale = gammaS is null ? inverseStd : g.Mul(inverseStd, PerChannel(g, x, gammaS), "scale");
        var shift = g.Neg(g.Mul(mean, scale));
        if (betaS is not null) shift = g.Add(shift, PerChannel(g, x, betaS), "shift");
        var inner = g.Add(g.Mul(xs, scale), shift);

        Value[] differentiable = gamma is null ? [x] : beta is null ? [x, gamma] : [x, gamma, beta];
        var y = g.CustomGradient(inner, differentiable, c =>
        {
            var dy = c.D;
            var dBeta = g.ReduceSum(dy, axes, keepDims: true, name: "dbeta");
            var dyx = g.ReduceSum(g.Mul(dy, xs), axes, keepDims: true, name: "sum_dy_x");
            var dGamma = g.Mul(g.Sub(dyx, g.Mul(mean, dBeta)), inverseStd, "dgamma");
            var scaleOverN = g.Div(scale, n);
            var p = g.Neg(g.Mul(scaleOverN, g.Mul(dGamma, inverseStd)));
            var q = g.Mul(scaleOverN, g.Sub(g.Mul(g.Mul(dGamma, inverseStd), mean), dBeta));
            var dx = g.Add(g.Add(g.Mul(dy, scale), g.Mul(xs, p)), q, "dx");
            var channels = new Shape(x.Shape[1]);
            Value? Param(int i, Value perChannel) => c.Needs(i) ? g.Reshape(perChannel, channels) : null;
            return gamma is null ? [dx] : beta is null ? [dx, Param(1, dGamma)] : [dx, Param(1, dGamma), Param(2, dBeta)];
        }, "bn_out");

        var channelShape = new Shape(x.Shape[1]);
        var unbiased = g.Mul(g.Reshape(variance, channelShape), g.Div(n, g.Sub(n, 1.0)));
        var newMean = Blend(g, runningMean, g.Reshape(mean, channelShape), momentum, "running_mean");
        var newVar = Blend(g, runningVar, unbiased, momentum, "running_var");
        return new TrainResult(y, newMean, newVar);
    }

    /// <summary>
    /// Evaluation mode: normalise with the running statistics, as y = x·a + b with per-channel
    /// a = γ/√(σ² + ε) and b = β − μ·a. One multiply and one add over the activations, in the form
    /// ONNX Runtime's basic optimisations fold into the Conv before them once the weights are
    /// constants (an exported encoder with folded BatchNorm).
    /// </summary>
    public static Value Eval(GraphBuilder g, Value x, Value? gamma, Value? beta, Value runningMean, Value runningVar, double eps = Epsilon)
    {
        var inverseStd = g.Div(g.Scalar(1, x.DType), g.Sqrt(g.Add(runningVar, eps)));
        var scale = gamma is null ? inverseStd : g.Mul(gamma, inverseStd, "scale");
        var meanScaled = g.Mul(runningMean, scale);
        var shift = beta is null ? g.Neg(meanScaled, "shift") : g.Sub(beta, meanScaled, "shift");
        return g.Add(g.Mul(x, PerChannel(g, x, scale), "scaled"), PerChannel(g, x, shift), "normalised");
    }

    private static Value Blend(GraphBuilder g, Value running, Value batch, double momentum, string name) =>
        g.Add(g.Mul(running, 1 - momentum), g.Mul(batch, momentum), name);

    /// <summary>A [C] vector shaped to broadcast along axis 1 of x.</summary>
    private static Value PerChannel(GraphBuilder g, Value x, Value v) =>
        x.Rank == 2 ? v : g.Reshape(v, new Shape([v.Shape[0], .. Enumerable.Repeat(Dim.Of(1), x.Rank - 2)]));

    private static long[] ReducedAxes(Value x)
    {
        if (x.Rank < 2) throw new GraphBuildException($"BatchNorm of '{x.Name}' {x.Shape}: needs [N,C] or [N,C,...]");
        return [0, .. Enumerable.Range(2, x.Rank - 2).Select(i => (long)i)];
    }
}

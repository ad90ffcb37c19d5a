namespace OnnxMec.Graphs;

/// <summary>
/// Batch normalisation over the channel axis (1) of [N, C] or [N, C, H, W], built from ruled ops
/// so autodiff differentiates it. ONNX's own BatchNormalization is not used: in training mode its
/// running statistics follow the opposite convention to PyTorch's and it returns no batch
/// statistics (architecture.md).
/// </summary>
public static class BatchNorm
{
    /// <summary>PyTorch's default ε.</summary>
    public const double Epsilon = 1e-5;

    /// <summary>The normalised output and the updated running statistics.</summary>
    public sealed record TrainResult(Value Y, Value RunningMean, Value RunningVar);

    /// <summary>
    /// Training mode: normalise with the batch's mean and biased variance; update the running
    /// statistics as PyTorch does: r ← (1 − momentum)·r + momentum·s, with the unbiased variance.
    /// The gradient is the closed form, from the forward's x̂ and 1/σ (no op-by-op backward):
    /// dβ = Σ dy, dγ = Σ dy·x̂, dx = (γ/σ)·(dy − dβ/n − x̂·dγ/n), sums over all axes but the channel's.
    /// </summary>
    public static TrainResult Train(GraphBuilder g, Value x, Value? gamma, Value? beta, Value runningMean, Value runningVar,
        double eps = Epsilon, double momentum = 0.1)
    {
        long[] axes = ReducedAxes(x);
        var xs = g.StopGradient(x, "x");
        var mean = g.ReduceMean(xs, axes, keepDims: true, name: "batch_mean");
        var centred = g.Sub(xs, mean, "centred");
        var variance = g.ReduceMean(g.Mul(centred, centred), axes, keepDims: true, name: "batch_var");
        var inverseStd = g.Div(g.Scalar(1, x.DType), g.Sqrt(g.Add(variance, eps)), "inv_std");
        var normalised = g.Mul(centred, inverseStd, "normalised");
        var gammaS = gamma is null ? null : g.StopGradient(gamma, "gamma");
        var betaS = beta is null ? null : g.StopGradient(beta, "beta");
        var inner = Affine(g, normalised, gammaS, betaS);

        var count = Dim.Product(axes.Select(a => x.Shape[(int)a]));
        var n = count.IsStatic
            ? g.Scalar(count.Size, x.DType)
            : g.Div(g.Cast(g.Size(x), x.DType), g.Scalar(x.Shape[1].Size, x.DType));
        Value[] differentiable = gamma is null ? [x] : beta is null ? [x, gamma] : [x, gamma, beta];
        var y = g.CustomGradient(inner, differentiable, c =>
        {
            var dy = c.D;
            var dBeta = g.ReduceSum(dy, axes, name: "dbeta");
            var dGamma = g.ReduceSum(g.Mul(dy, normalised), axes, name: "dgamma");
            // A = γ/σ per channel; dx = A·dy − (A/n)·dβ − (A/n)·dγ·x̂.
            var a = gammaS is null ? inverseStd : g.Mul(inverseStd, PerChannel(g, x, gammaS));
            var aOverN = g.Div(a, n);
            var shift = g.Mul(aOverN, Keep(g, dBeta, x));
            var slope = g.Mul(aOverN, Keep(g, dGamma, x));
            var dx = g.Sub(g.Mul(dy, a), g.Add(g.Mul(normalised, slope), shift), "dx");
            return gamma is null ? [dx] : beta is null ? [dx, c.Needs(1) ? dGamma : null] : [dx, c.Needs(1) ? dGamma : null, c.Needs(2) ? dBeta : null];
        }, "bn_out");

        var channels = new Shape(x.Shape[1]);
        var unbiased = g.Mul(g.Reshape(variance, channels), g.Div(n, g.Sub(n, 1.0)));
        var newMean = Blend(g, runningMean, g.Reshape(mean, channels), momentum, "running_mean");
        var newVar = Blend(g, runningVar, unbiased, momentum, "running_var");
        return new TrainResult(y, newMean, newVar);
    }

    /// <summary>A per-channel [C] sum shaped [1, C, 1, …] to broadcast against x.</summary>
    private static Value Keep(GraphBuilder g, Value perChannel, Value x) =>
        g.Reshape(perChannel, new Shape([1, perChannel.Shape[0], .. Enumerable.Repeat(Dim.Of(1), x.Rank - 2)]));

    /// <summary>Evaluation mode: normalise with the running statistics.</summary>
    public static Value Eval(GraphBuilder g, Value x, Value? gamma, Value? beta, Value runningMean, Value runningVar, double eps = Epsilon)
    {
        var inverseStd = g.Div(g.Scalar(1, x.DType), g.Sqrt(g.Add(runningVar, eps)));
        var normalised = g.Mul(g.Sub(x, PerChannel(g, x, runningMean)), PerChannel(g, x, inverseStd), "normalised");
        return Affine(g, normalised, gamma, beta);
    }

    private static Value Affine(GraphBuilder g, Value normalised, Value? gamma, Value? beta)
    {
        var y = gamma is null ? normalised : g.Mul(normalised, PerChannel(g, normalised, gamma), "scaled");
        return beta is null ? y : g.Add(y, PerChannel(g, normalised, beta), "shifted");
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

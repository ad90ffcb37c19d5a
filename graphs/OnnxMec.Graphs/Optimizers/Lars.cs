using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>
/// LARS as MoCo v3 and the MEC reference run it. For an adapted parameter:
/// d = ∇ + wd·p, scaled by the trust ratio η‖p‖/‖d‖ (1 where either norm is 0); a parameter that is
/// not adapted (BN and bias, when excluded) uses d = ∇ unscaled. Then b ← μ·b + d, p ← p − lr·b.
/// </summary>
public static class Lars
{
    public static (Value Param, Value Momentum) Step(GraphBuilder g, Value param, Value grad, Value buffer, Value lr,
        double momentum, double weightDecay, double trustCoefficient, bool adapt)
    {
        var d = grad;
        if (adapt)
        {
            if (weightDecay != 0) d = g.Add(d, g.Mul(param, weightDecay));
            var paramNorm = g.Sqrt(g.ReduceSumSquare(param), "param_norm");
            var updateNorm = g.Sqrt(g.ReduceSumSquare(d), "update_norm");
            var zero = g.Scalar(0);
            var one = g.Scalar(1);
            // Dividing by max(‖d‖, tiny) keeps the unused branch of Where free of inf and NaN.
            var ratio = g.Div(g.Mul(paramNorm, trustCoefficient), g.Max(updateNorm, 1e-30));
            var trust = g.Where(g.Greater(paramNorm, zero), g.Where(g.Greater(updateNorm, zero), ratio, one), one, "trust_ratio");
            d = g.Mul(d, trust);
        }
        var newBuffer = g.Add(g.Mul(buffer, momentum), d, "momentum");
        return (g.Sub(param, g.Mul(newBuffer, lr), "param"), newBuffer);
    }
}

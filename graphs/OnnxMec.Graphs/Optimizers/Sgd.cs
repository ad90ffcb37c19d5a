using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>torch.optim.SGD as graph nodes (dampening 0): g = ∇ + wd·p; b ← μ·b + g; p ← p − lr·(nesterov ? g + μ·b : b).</summary>
public static class Sgd
{
    public static (Value Param, Value Momentum) Step(GraphBuilder g, Value param, Value grad, Value buffer, Value lr,
        double momentum, double weightDecay, bool nesterov)
    {
        var d = weightDecay == 0 ? grad : g.Add(grad, g.Mul(param, weightDecay));
        var newBuffer = momentum == 0 ? d : g.Add(g.Mul(buffer, momentum), d, "momentum");
        var direction = nesterov ? g.Add(d, g.Mul(newBuffer, momentum)) : newBuffer;
        return (g.Sub(param, g.Mul(direction, lr), "param"), newBuffer);
    }
}

namespace OnnxMec.GraphEngine;

internal static class LossRules
{
    // Mean cross-entropy over N rows: d scores = (softmax − onehot(labels)) · dL / N, with the
    // softmax recovered from the node's log-probability output.
    public static Value?[] SoftmaxCrossEntropyLoss(GradientContext c)
    {
        if (c.Dy(1) is not null) throw new GraphBuildException($"{c.Node}: gradients through the log-probability output are not supported");
        if (c.Node.String("reduction") != "mean" || c.Node.Inputs.Count > 2)
            throw new GraphBuildException($"{c.Node}: only reduction 'mean' without class weights has a gradient rule");
        var (g, scores, labels) = (c.G, c.X(0), c.X(1));
        var softmax = g.Exp(c.Y(1));
        var classes = g.Ints(Enumerable.Range(0, (int)scores.Shape[1].Size).Select(i => (long)i).ToArray());
        var oneHot = g.Cast(g.Equal(g.Unsqueeze(labels, 1), classes), scores.DType);
        var residual = g.Sub(softmax, oneHot);
        var rows = scores.Shape[0].IsStatic ? g.Scalar(scores.Shape[0].Size, scores.DType) : g.Cast(g.Size(labels), scores.DType);
        return [g.Mul(residual, g.Div(c.D, rows)), null];
    }
}

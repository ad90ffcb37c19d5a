namespace OnnxMec.GraphEngine;

internal static class ReductionRules
{
    public static Value?[] ReduceSum(GradientContext c) => [Spread(c), null];

    // The mean's gradient is the sum's over the count of reduced elements, read at run time when a
    // reduced axis is symbolic (BatchNorm reduces over the batch).
    public static Value?[] ReduceMean(GradientContext c)
    {
        var (g, x) = (c.G, c.X(0));
        var reduced = GraphBuilder.ReducedAxes(c.Node).Select(a => x.Shape[(int)a]).ToArray();
        var count = Dim.Product(reduced);
        var divisor = count.IsStatic
            ? g.Scalar(count.Size, x.DType)
            : g.Div(g.Cast(g.Size(x), x.DType), g.Cast(g.Size(c.Y()), x.DType));
        return [g.Div(Spread(c), divisor), null];
    }

    // d Σx² = 2x.
    public static Value?[] ReduceSumSquare(GradientContext c) => [c.G.Mul(Spread(c), c.G.Mul(c.X(0), 2.0)), null];

    /// <summary>The output gradient broadcast back over the reduced axes.</summary>
    private static Value Spread(GradientContext c)
    {
        var dy = c.D;
        if (c.Node.Int("keepdims", 1) == 0) dy = c.G.Unsqueeze(dy, GraphBuilder.ReducedAxes(c.Node));
        return c.G.ExpandAs(dy, c.X(0));
    }
}

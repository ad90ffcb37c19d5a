namespace OnnxMec.GraphEngine;

internal static class LinearAlgebraRules
{
    // Y = A B: dA = dY Bᵀ, dB = Aᵀ dY, summed over broadcast batch axes.
    public static Value?[] MatMul(GradientContext c) => c.Grads(
        () => c.ReduceTo(c.G.MatMul(c.D, SwapLastAxes(c.G, c.X(1))), c.X(0)),
        () => c.ReduceTo(c.G.MatMul(SwapLastAxes(c.G, c.X(0)), c.D), c.X(1)));

    private static Value SwapLastAxes(GraphBuilder g, Value x)
    {
        var perm = Enumerable.Range(0, x.Rank).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return g.Transpose(x, perm);
    }

    // Y = α A'B' + β C with A' = op(A), B' = op(B). Gemm's own transpose flags give every case
    // without a Transpose node: dA' = α dY B'ᵀ, dB' = α A'ᵀ dY, and dA = dA'ᵀ when A was transposed.
    public static Value?[] Gemm(GradientContext c)
    {
        var n = c.Node;
        bool ta = n.Int("transA", 0) != 0, tb = n.Int("transB", 0) != 0;
        double alpha = n.Float("alpha", 1), beta = n.Float("beta", 1);
        var (a, b, dy, g) = (c.X(0), c.X(1), c.D, c.G);
        return c.Grads(
            () => ta ? g.Gemm(b, dy, transA: tb, transB: true, alpha: alpha) : g.Gemm(dy, b, transB: !tb, alpha: alpha),
            () => tb ? g.Gemm(dy, a, transA: true, transB: ta, alpha: alpha) : g.Gemm(a, dy, transA: !ta, alpha: alpha),
            () => c.ReduceTo(beta == 1 ? dy : g.Mul(dy, beta), c.X(2)));
    }
}

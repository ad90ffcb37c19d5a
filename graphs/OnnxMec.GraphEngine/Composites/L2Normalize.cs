namespace OnnxMec.GraphEngine;

/// <summary>PyTorch's <c>F.normalize(x, p=2, dim=axis, eps)</c>: x / max(‖x‖₂, eps).</summary>
public static class L2Normalize
{
    /// <remarks>
    /// Written as x / sqrt(max(Σx², eps²)): the same values, and below eps the gradient of the norm
    /// is zero instead of the 0·∞ a zero row would give through sqrt.
    /// </remarks>
    public static Value Apply(GraphBuilder g, Value x, int axis = 1, double eps = 1e-12)
    {
        var squares = g.ReduceSumSquare(x, [axis], keepDims: true, name: "sum_sq");
        var norm = g.Sqrt(g.Max(squares, eps * eps), "norm");
        return g.Div(x, norm, "normalized");
    }
}

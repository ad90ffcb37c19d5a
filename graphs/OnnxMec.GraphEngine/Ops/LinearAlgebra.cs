namespace OnnxMec.GraphEngine;

public sealed partial class GraphBuilder
{
    /// <summary>Numpy matmul for operands of rank 2 or more; leading (batch) axes broadcast.</summary>
    public Value MatMul(Value a, Value b, string? name = null)
    {
        string hint = name ?? "matmul";
        SameType("MatMul", hint, a, b);
        if (a.Rank < 2 || b.Rank < 2) throw Misfit("MatMul", hint, $"operands must have rank ≥ 2, got '{a.Name}' {a.Shape} and '{b.Name}' {b.Shape}");
        if (a.Shape[^1] != b.Shape[^2])
            throw Misfit("MatMul", hint, $"inner dimensions differ: '{a.Name}' {a.Shape} times '{b.Name}' {b.Shape}");
        var batchA = new Shape(a.Shape.Take(a.Rank - 2));
        var batchB = new Shape(b.Shape.Take(b.Rank - 2));
        var batch = BroadcastShapes("MatMul", hint, batchA, batchB);
        var shape = new Shape([.. batch, a.Shape[^2], b.Shape[^1]]);
        return Emit("MatMul", [a, b], [(a.DType, shape)], hint: hint)[0];
    }

    /// <summary>Y = alpha · A' B' + beta · C, where A' and B' are optionally transposed 2-D operands.</summary>
    public Value Gemm(Value a, Value b, Value? c = null, bool transA = false, bool transB = false, double alpha = 1, double beta = 1, string? name = null)
    {
        string hint = name ?? "gemm";
        if (a.Rank != 2 || b.Rank != 2) throw Misfit("Gemm", hint, $"operands must be 2-D, got '{a.Name}' {a.Shape} and '{b.Name}' {b.Shape}");
        SameType("Gemm", hint, c is null ? [a, b] : [a, b, c]);
        Dim m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        Dim k2 = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        if (k != k2) throw Misfit("Gemm", hint, $"inner dimensions differ: '{a.Name}' {a.Shape}{(transA ? "ᵀ" : "")} times '{b.Name}' {b.Shape}{(transB ? "ᵀ" : "")}");
        var shape = new Shape(m, n);
        if (c is not null) BroadcastShapes("Gemm", hint, shape, c.Shape);
        return Emit("Gemm", c is null ? [a, b] : [a, b, c], [(a.DType, shape)], node =>
        {
            if (alpha != 1) node.SetAttribute("alpha", alpha);
            if (beta != 1) node.SetAttribute("beta", beta);
            if (transA) node.SetAttribute("transA", 1L);
            if (transB) node.SetAttribute("transB", 1L);
        }, hint)[0];
    }

    /// <summary>Determinant of square matrices over the last two axes (no gradient rule).</summary>
    public Value Det(Value x, string? name = null)
    {
        string hint = name ?? "det";
        if (x.Rank < 2 || x.Shape[^1] != x.Shape[^2]) throw Misfit("Det", hint, $"'{x.Name}' {x.Shape} is not a (batch of) square matrices");
        return Emit("Det", [x], [(x.DType, new Shape(x.Shape.Take(x.Rank - 2)))], hint: hint)[0];
    }

    internal Shape BroadcastShapes(string opType, string hint, Shape a, Shape b)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim da = i - (rank - a.Rank) >= 0 ? a[i - (rank - a.Rank)] : 1;
            Dim db = i - (rank - b.Rank) >= 0 ? b[i - (rank - b.Rank)] : 1;
            if (da == db || db == Dim.Of(1)) dims[i] = da;
            else if (da == Dim.Of(1)) dims[i] = db;
            else throw Misfit(opType, hint, $"cannot broadcast {a} with {b}");
        }
        return new Shape(dims);
    }
}

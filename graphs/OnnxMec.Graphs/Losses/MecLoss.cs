using OnnxMec.GraphEngine;

namespace OnnxMec.Graphs;

/// <summary>The two forms of MEC's correlation matrix; they share their nonzero eigenvalues (Eq. 4), so the loss is the same in exact arithmetic.</summary>
public enum MecForm
{
    /// <summary>C = λ p̂ ẑᵀ, m×m (the reference code's).</summary>
    Batch,
    /// <summary>C = λ p̂ᵀ ẑ, d×d (the paper's Eq. 4).</summary>
    Feature,
}

/// <summary>The MEC loss and the numbers that show whether its Taylor series is healthy.</summary>
public sealed record MecLossOutputs(Value Loss, Value CodingLength, Value PositiveCosine, Value SpectralNorm);

/// <summary>
/// Maximum Entropy Coding loss, symmetrised and scaled as the reference code:
///   C(p, z) = λ · p̂ ẑᵀ (m×m, batch form) or λ · p̂ᵀ ẑ (d×d, feature form), rows L2-normalised;
///   T(p, z) = tr Σ_{k=1..n} (−1)^{k+1} C^k / k                       (Eq. 3 of the paper)
///   mec = (T(p1, z2) + T(p2, z1)) / 2 / m;   loss = −mec · λ⁻¹
/// with λ = 1 / λ⁻¹ taken from the runtime scalar <c>lambda_inv</c>, so its warm-up needs no new graph.
/// </summary>
public static class MecLoss
{
    /// <param name="p1">online predictor output for view 1, [m, d]</param>
    /// <param name="z2">target projector output for view 2, [m, d]; put under stop-gradient here</param>
    public static MecLossOutputs Build(GraphBuilder g, Value p1, Value p2, Value z1, Value z2, Value lambdaInv,
        int order, MecForm form, int powerIterations)
    {
        if (order is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(order), order, "Taylor order must be 1 to 8");
        using var scope = g.Scope("mec");
        var (n1, n2) = (L2Normalize.Apply(g, p1), L2Normalize.Apply(g, p2));
        var (t1, t2) = (L2Normalize.Apply(g, g.StopGradient(z1, "target_z1")), L2Normalize.Apply(g, g.StopGradient(z2, "target_z2")));
        var t = p1.DType;
        var lambda = g.Div(g.Scalar(1, t), lambdaInv, "lambda");

        var term12 = Term(g, n1, t2, lambda, order, form, out var c12, out var dot12);
        var term21 = Term(g, n2, t1, lambda, order, form, out _, out var dot21);

        long d = p1.Shape[1].Size;
        var m = p1.Shape[0].IsStatic ? g.Scalar(p1.Shape[0].Size, t) : g.Div(g.Cast(g.Size(p1), t), g.Scalar(d, t));
        var mec = g.Div(g.Mul(g.Add(term12, term21), 0.5), m, "mec");
        var loss = g.Neg(g.Mul(mec, lambdaInv), "loss");

        // μ = (m + d) / 2 only scales the logged coding length; it never enters the gradient.
        var mu = g.Mul(g.Add(m, d), 0.5);
        var codingLength = g.Mul(mu, mec, "coding_length");
        var positiveCosine = g.Div(g.Add(dot12, dot21), g.Mul(m, 2.0), "positive_cosine");
        var spectralNorm = SpectralNorm(g, c12 ?? Correlation(g, n1, t2, lambda, form), powerIterations);
        return new MecLossOutputs(loss, codingLength, positiveCosine, spectralNorm);
    }

    /// <summary>T(p, z) alone, for rows already L2-normalised: what <c>bench loss</c> times against the exact log-det.</summary>
    public static Value TaylorTrace(GraphBuilder g, Value p, Value z, Value lambda, int order, MecForm form) =>
        Term(g, p, z, lambda, order, form, out _, out _);

    /// <summary>C = λ p̂ ẑᵀ (batch) or λ p̂ᵀ ẑ (feature); they share their nonzero eigenvalues (Eq. 4).</summary>
    private static Value Correlation(GraphBuilder g, Value p, Value z, Value lambda, MecForm form) =>
        g.Mul(form == MecForm.Batch ? g.MatMul(p, g.Transpose(z, 1, 0)) : g.MatMul(g.Transpose(p, 1, 0), z), lambda, "c");

    /// <summary>
    /// tr Σ_{k=1..n} (−1)^{k+1} C^k / k. tr C = λ Σ p̂ ⊙ ẑ needs no matrix; higher traces use
    /// tr(C^a C^b) = Σ C^a ⊙ (C^b)ᵀ, so only the powers up to ⌈n/2⌉ are multiplied out
    /// (order 4: one m×m product instead of the reference's three).
    /// </summary>
    private static Value Term(GraphBuilder g, Value p, Value z, Value lambda, int order, MecForm form, out Value? c, out Value dot)
    {
        using var _ = g.Scope("term");
        dot = g.ReduceSum(g.Mul(p, z), name: "dot");
        var sum = g.Mul(dot, lambda, "trace1");
        c = null;
        if (order == 1) return sum;

        c = Correlation(g, p, z, lambda, form);
        var powers = new List<Value> { c };
        var transposed = new List<Value> { g.Transpose(c, 1, 0) };
        int half = (order + 1) / 2;
        for (int k = 2; k <= half; k++)
        {
            powers.Add(g.MatMul(powers[^1], c, $"c{k}"));
            transposed.Add(g.Transpose(powers[^1], 1, 0));
        }
        for (int k = 2; k <= order; k++)
        {
            int a = k / 2, b = k - a;
            var trace = g.ReduceSum(g.Mul(powers[a - 1], transposed[b - 1]), name: $"trace{k}");
            var scaled = g.Mul(trace, 1.0 / k);
            sum = k % 2 == 0 ? g.Sub(sum, scaled) : g.Add(sum, scaled);
        }
        return sum;
    }

    /// <summary>
    /// ‖C‖₂ by power iteration on CᵀC, started from Cᵀ(C·1) so it needs no constant of the symbolic
    /// batch size: v ← CᵀC v / ‖CᵀC v‖, then ‖C v‖. The series converges only while this is below 1.
    /// </summary>
    private static Value SpectralNorm(GraphBuilder g, Value c, int iterations)
    {
        using var _ = g.Scope("spectral_norm");
        c = g.StopGradient(c);
        var ct = g.Transpose(c, 1, 0);
        var v = g.ReduceSum(c, [0], keepDims: true); // 1ᵀC, i.e. (Cᵀ·1)ᵀ as a row
        v = g.Transpose(v, 1, 0);
        for (int i = 0; i < iterations; i++)
        {
            var next = g.MatMul(ct, g.MatMul(c, v));
            v = g.Div(next, g.Max(g.Sqrt(g.ReduceSumSquare(next)), 1e-30));
        }
        return g.Sqrt(g.ReduceSumSquare(g.MatMul(c, v)), "spectral_norm");
    }
}

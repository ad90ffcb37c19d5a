namespace OnnxMec.GraphEngine;

/// <summary>Gradient rules of elementwise ops; broadcast inputs get their gradient summed back (ReduceTo).</summary>
internal static class ElementwiseRules
{
    public static Value?[] Identity(GradientContext c) => [c.D];

    public static Value?[] Cast(GradientContext c) => [c.G.Cast(c.D, c.X(0).DType)];

    public static Value?[] Neg(GradientContext c) => [c.G.Neg(c.D)];

    // Where y > 0 the gradient passes; at 0 (and below) it stops, as PyTorch's.
    public static Value?[] Relu(GradientContext c) =>
        [c.G.Where(c.G.Greater(c.Y(), c.Zero(c.Y())), c.D, c.Zero(c.D))];

    // d sqrt(x) = 1 / (2 sqrt(x)), reusing the forward's output.
    public static Value?[] Sqrt(GradientContext c) => [c.G.Div(c.G.Mul(c.D, 0.5), c.Y())];

    public static Value?[] Exp(GradientContext c) => [c.G.Mul(c.D, c.Y())];

    public static Value?[] Log(GradientContext c) => [c.G.Div(c.D, c.X(0))];

    // d x^p = p x^(p−1) for a constant exponent p.
    public static Value?[] Pow(GradientContext c)
    {
        if (c.Needs(1) || c.X(1).ConstantData is not { ElementCount: 1 } p)
            throw new GraphBuildException($"{c.Node}: Pow's gradient needs a constant scalar exponent");
        double e = p.ToDoubles()[0];
        var x = c.X(0);
        var slope = e == 2 ? c.G.Mul(x, 2.0) : c.G.Mul(c.G.Pow(x, e - 1), e);
        return [c.ReduceTo(c.G.Mul(c.D, slope), x), null];
    }

    public static Value?[] Add(GradientContext c) => c.Grads(() => c.ReduceTo(c.D, c.X(0)), () => c.ReduceTo(c.D, c.X(1)));

    public static Value?[] Sub(GradientContext c) => c.Grads(() => c.ReduceTo(c.D, c.X(0)), () => c.ReduceTo(c.G.Neg(c.D), c.X(1)));

    public static Value?[] Mul(GradientContext c) => c.Grads(
        () => c.ReduceTo(c.G.Mul(c.D, c.X(1)), c.X(0)),
        () => c.ReduceTo(c.G.Mul(c.D, c.X(0)), c.X(1)));

    // y = a / b: da = dy / b, db = −dy · y / b.
    public static Value?[] Div(GradientContext c) => c.Grads(
        () => c.ReduceTo(c.G.Div(c.D, c.X(1)), c.X(0)),
        () => c.ReduceTo(c.G.Neg(c.G.Div(c.G.Mul(c.D, c.Y()), c.X(1))), c.X(1)));

    public static Value?[] Sum(GradientContext c) =>
        c.Node.Inputs.Select((_, i) => c.Needs(i) ? c.ReduceTo(c.D, c.X(i)) : null).ToArray();

    // Ties go to the first operand, as torch.clamp_min gives them to x.
    public static Value?[] Max(GradientContext c) => Select(c, c.G.GreaterOrEqual(c.X(0), c.X(1)));

    public static Value?[] Min(GradientContext c) => Select(c, c.G.LessOrEqual(c.X(0), c.X(1)));

    private static Value?[] Select(GradientContext c, Value firstWins) => c.Grads(
        () => c.ReduceTo(c.G.Where(firstWins, c.D, c.Zero(c.D)), c.X(0)),
        () => c.ReduceTo(c.G.Where(firstWins, c.Zero(c.D), c.D), c.X(1)));

    // The gradient passes where min ≤ x ≤ max (bounds included, as torch.clamp).
    public static Value?[] Clip(GradientContext c)
    {
        var x = c.X(0);
        Value? mask = null;
        if (c.Node.Inputs.Count > 1 && c.Node.Inputs[1] is { } lo) mask = c.G.GreaterOrEqual(x, lo);
        if (c.Node.Inputs.Count > 2 && c.Node.Inputs[2] is { } hi)
        {
            var upper = c.G.LessOrEqual(x, hi);
            mask = mask is null ? upper : c.G.And(mask, upper);
        }
        return [mask is null ? c.D : c.G.Where(mask, c.D, c.Zero(c.D)), null, null];
    }

    public static Value?[] Where(GradientContext c) => c.Grads(
        () => throw new GraphBuildException($"{c.Node}: the condition of Where has no gradient"),
        () => c.ReduceTo(c.G.Where(c.X(0), c.D, c.Zero(c.D)), c.X(1)),
        () => c.ReduceTo(c.G.Where(c.X(0), c.Zero(c.D), c.D), c.X(2)));
}

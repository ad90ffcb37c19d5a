namespace OnnxMec.GraphEngine.Tests;

/// <summary>A differentiable input of a gradient check: its shape and values.</summary>
internal sealed record CheckInput(long[] Shape, double[] Data)
{
    public static CheckInput Normal(int seed, params long[] shape) => new(shape, TestRandom.Normal(seed, shape.Aggregate(1L, (a, b) => a * b)));
}

/// <summary>How close the autodiff gradient must be to the finite differences, and the step to take.</summary>
internal sealed record Tolerance(double Step, double Absolute, double Relative)
{
    // float64 graphs: central differences with h = 1e-6 have truncation error ~h² and rounding
    // error ~1e-16·|L|/h ≈ 1e-9, far inside these bounds.
    public static Tolerance Double { get; } = new(1e-6, 1e-6, 1e-5);

    // float32 graphs (ORT runs Conv, ConvTranspose and AveragePool in float32 only): the outputs are
    // summed in float64, so the difference L(x+h) − L(x−h) carries only the outputs' own float32
    // rounding, ~6e-8·Σ|y·r| ≈ 1e-6 here; over 2h = 2e-2 that is ~1e-4. The step is large enough
    // for that and, for the linear ops checked in float32, exact.
    public static Tolerance Float { get; } = new(1e-2, 5e-4, 5e-3);
}

/// <summary>The outcome of a gradient check, with the worst element for the failure message.</summary>
internal sealed record CheckReport(int Checked, int Failed, double WorstExcess, string Worst)
{
    public bool Passed => Failed == 0;
    public override string ToString() => Passed
        ? $"{Checked} elements agree"
        : $"{Failed} of {Checked} elements disagree; worst: {Worst}";
}

/// <summary>
/// Checks autodiff against central finite differences through ORT CPU: builds
/// L = Σ f(x)·R for a fixed random R (so every output element matters with its own weight), takes
/// dL/dx with <see cref="Autodiff.Gradients"/>, and compares each element with
/// (L(x + h·e_i) − L(x − h·e_i)) / 2h.
/// </summary>
internal static class GradientChecker
{
    public static CheckReport Check(DType dtype, IReadOnlyList<CheckInput> inputs, Func<GraphBuilder, Value[], Value> forward,
        Tolerance? tolerance = null, GradientRules? rules = null)
    {
        var tol = tolerance ?? (dtype == DType.Double ? Tolerance.Double : Tolerance.Float);
        var g = new GraphBuilder("gradient_check");
        var xs = inputs.Select((x, i) => g.Input($"x{i}", dtype, Shape.Of(x.Shape))).ToArray();
        var y = forward(g, xs);
        var weights = g.Constant(TensorData.Doubles(TestRandom.Normal(12345, y.Shape.ElementCount.Size), y.Shape.Sizes));
        var loss = g.ReduceSum(g.Mul(y.DType == DType.Double ? y : g.Cast(y, DType.Double), weights), name: "loss");
        g.Output(loss);
        var grads = Autodiff.Gradients(loss, xs, rules);
        for (int i = 0; i < grads.Length; i++) g.Output(grads[i], $"grad_x{i}");

        using var runner = new OrtGraphRunner(g);
        var data = inputs.Select(x => x.Data.ToArray()).ToArray();
        var analytic = runner.Run(data).Skip(1).ToArray();

        int checkedCount = 0, failed = 0;
        double worstExcess = double.NegativeInfinity;
        string worst = "";
        for (int k = 0; k < data.Length; k++)
        {
            for (int i = 0; i < data[k].Length; i++)
            {
                double original = data[k][i];
                double up = Representable(dtype, original + tol.Step), down = Representable(dtype, original - tol.Step);
                data[k][i] = up;
                double lossUp = runner.Run(data)[0][0];
                data[k][i] = down;
                double lossDown = runner.Run(data)[0][0];
                data[k][i] = original;

                double numeric = (lossUp - lossDown) / (up - down);
                double a = analytic[k][i];
                double excess = Math.Abs(a - numeric) - (tol.Absolute + tol.Relative * Math.Max(Math.Abs(a), Math.Abs(numeric)));
                checkedCount++;
                if (excess > 0 || double.IsNaN(excess)) failed++;
                if (excess > worstExcess || double.IsNaN(excess))
                {
                    worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess;
                    worst = $"x{k}[{i}]: autodiff {a:G9}, finite differences {numeric:G9}";
                }
            }
        }
        return new CheckReport(checkedCount, failed, worstExcess, worst);
    }

    /// <summary>The perturbed value as the graph will see it (float32 inputs round).</summary>
    private static double Representable(DType dtype, double v) => dtype == DType.Float ? (float)v : v;

    public static void AssertGradientsMatch(DType dtype, IReadOnlyList<CheckInput> inputs, Func<GraphBuilder, Value[], Value> forward, Tolerance? tolerance = null)
    {
        var report = Check(dtype, inputs, forward, tolerance);
        Assert.That(report.Passed, Is.True, report.ToString());
    }
}

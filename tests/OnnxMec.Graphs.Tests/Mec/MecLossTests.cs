namespace OnnxMec.Graphs.Tests.Mec;

public class MecLossTests
{
    private const int M = 12, D = 20;

    private static double[,] Matrix(int seed, double scale = 1)
    {
        var v = TestRandom.Normal(seed, M * D, scale);
        var a = new double[M, D];
        for (int i = 0; i < M; i++)
            for (int j = 0; j < D; j++) a[i, j] = v[i * D + j];
        return a;
    }

    private static double[] Flat(double[,] a) => a.Cast<double>().ToArray();

    /// <summary>z2 near p1 and z1 near p2, so positive pairs agree as after some training.</summary>
    private static (double[,] P1, double[,] P2, double[,] Z1, double[,] Z2) Views()
    {
        var p1 = Matrix(1);
        var p2 = Matrix(2);
        var z1 = Matrix(3, 0.5);
        var z2 = Matrix(4, 0.5);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < D; j++) { z2[i, j] += p1[i, j]; z1[i, j] += p2[i, j]; }
        return (p1, p2, z1, z2);
    }

    private static double[] RunLossGraph(DType dtype, int order, string form, double lambdaInv, int powerIterations = 10)
    {
        var g = new GraphBuilder("mec");
        var inputs = Enumerable.Range(0, 4).Select(i => g.Input($"x{i}", dtype, Shape.Of(M, D))).ToArray();
        var li = g.Constant(TensorData.Scalar(dtype, lambdaInv));
        var outputs = MecLoss.Build(g, inputs[0], inputs[1], inputs[2], inputs[3], li, order, form == "batch" ? MecForm.Batch : MecForm.Feature, powerIterations);
        g.Output(outputs.Loss, "loss");
        g.Output(outputs.CodingLength, "coding_length");
        g.Output(outputs.PositiveCosine, "positive_cosine");
        g.Output(outputs.SpectralNorm, "spectral_norm");
        using var runner = new OrtGraphRunner(g);
        var (p1, p2, z1, z2) = Views();
        return runner.Run([Flat(p1), Flat(p2), Flat(z1), Flat(z2)]).Select(o => o[0]).ToArray();
    }

    // λ = 1/(m·ε_d²) with ε_d² = 1 keeps ‖C‖₂ below 1, where the series converges.
    private const double LambdaInv = M * 1.0;

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(8)]
    public void The_float32_loss_graph_equals_the_double_reference_to_1e_5_relative(int order)
    {
        var (p1, p2, z1, z2) = Views();
        double expected = MecReference.Loss(p1, p2, z1, z2, LambdaInv, order);
        double actual = RunLossGraph(DType.Float, order, "batch", LambdaInv)[0];
        Assert.That(actual, Is.EqualTo(expected).Within(1e-5 * Math.Abs(expected)));
    }

    [Test]
    public void Batch_and_feature_forms_are_equal_for_every_order([Range(1, 8)] int order)
    {
        var batch = RunLossGraph(DType.Double, order, "batch", LambdaInv);
        var feature = RunLossGraph(DType.Double, order, "feature", LambdaInv);
        Assert.That(feature[0], Is.EqualTo(batch[0]).Within(1e-12 * Math.Abs(batch[0])), "loss");
        Assert.That(feature[1], Is.EqualTo(batch[1]).Within(1e-12 * Math.Abs(batch[1])), "coding length");
        var (p1, p2, z1, z2) = Views();
        Assert.That(feature[0], Is.EqualTo(MecReference.Loss(p1, p2, z1, z2, LambdaInv, order, featureForm: true)).Within(1e-12 * Math.Abs(batch[0])));
    }

    [Test]
    public void The_metrics_are_the_coding_length_the_positive_cosine_and_the_spectral_norm()
    {
        var (p1, p2, z1, z2) = Views();
        var outputs = RunLossGraph(DType.Double, 4, "batch", LambdaInv, powerIterations: 60);
        double mu = (M + D) / 2.0;
        double mec = -MecReference.Loss(p1, p2, z1, z2, LambdaInv, 4) / LambdaInv;
        Assert.That(outputs[1], Is.EqualTo(mu * mec).Within(1e-12 * mu * mec), "coding length = μ · mec, positive");
        Assert.That(outputs[1], Is.Positive);

        double cosine = 0;
        var (n1, n2, t1, t2) = (MecReference.NormalizeRows(p1), MecReference.NormalizeRows(p2), MecReference.NormalizeRows(z1), MecReference.NormalizeRows(z2));
        for (int i = 0; i < M; i++)
            for (int j = 0; j < D; j++) cosine += n1[i, j] * t2[i, j] + n2[i, j] * t1[i, j];
        Assert.That(outputs[2], Is.EqualTo(cosine / (2 * M)).Within(1e-12));

        double sigma = MecReference.SpectralNorm(MecReference.Correlation(n1, t2, 1 / LambdaInv));
        Assert.That(outputs[3], Is.EqualTo(sigma).Within(1e-6 * sigma));
        Assert.That(sigma, Is.LessThan(1), "ε_d² = 1 bounds ‖C‖₂ by 1 (paper, Eq. 16)");
    }

    [Test]
    public void The_order_1_loss_is_the_negative_mean_positive_cosine()
    {
        var outputs = RunLossGraph(DType.Double, 1, "batch", LambdaInv);
        Assert.That(outputs[0], Is.EqualTo(-outputs[2]).Within(1e-12));
    }

    [Test]
    public void The_loss_gradient_matches_finite_differences_through_both_views()
    {
        var (_, _, z1, z2) = Views();
        GradientChecker.AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, M, D), CheckInput.Normal(2, M, D)], (g, x) =>
        {
            var z1c = g.Constant(TensorData.Doubles(Flat(z1), M, D));
            var z2c = g.Constant(TensorData.Doubles(Flat(z2), M, D));
            return MecLoss.Build(g, x[0], x[1], z1c, z2c, g.Constant(TensorData.Doubles([LambdaInv])), 4, MecForm.Batch, 3).Loss;
        });
    }

    [Test]
    public void The_target_branch_gets_no_gradient()
    {
        var g = new GraphBuilder("sg");
        var x = Enumerable.Range(0, 4).Select(i => g.Input($"x{i}", DType.Double, Shape.Of(M, D))).ToArray();
        var loss = MecLoss.Build(g, x[0], x[1], x[2], x[3], g.Constant(TensorData.Doubles([LambdaInv])), 4, MecForm.Batch, 3).Loss;
        var grads = Autodiff.Gradients(loss, x);
        g.Output(grads[2], "dz1");
        g.Output(grads[0], "dp1");
        using var runner = new OrtGraphRunner(g);
        var (p1, p2, z1, z2) = Views();
        var outputs = runner.Run([Flat(p1), Flat(p2), Flat(z1), Flat(z2)]);
        Assert.That(outputs[0], Is.All.EqualTo(0.0));
        Assert.That(outputs[1].Max(Math.Abs), Is.GreaterThan(1e-6));
    }
}

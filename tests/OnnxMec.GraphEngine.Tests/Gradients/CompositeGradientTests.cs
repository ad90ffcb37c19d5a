namespace OnnxMec.GraphEngine.Tests.Gradients;

using static GradientChecker;

public class CompositeGradientTests
{
    private static (Value Mean, Value Var) RunningStats(GraphBuilder g, int channels) =>
        (g.Constant(TensorData.Doubles(new double[channels], channels)), g.Constant(TensorData.Doubles(Enumerable.Repeat(1.0, channels).ToArray(), channels)));

    [Test]
    public void BatchNorm_training_gradient_matches_finite_differences_for_NCHW() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 2, 3, 3), CheckInput.Normal(2, 2), CheckInput.Normal(3, 2)], (g, x) =>
        {
            var (mean, variance) = RunningStats(g, 2);
            return BatchNormalization.Train(g, x[0], x[1], x[2], mean, variance).Y;
        });

    [Test]
    public void BatchNorm_training_gradient_matches_finite_differences_for_NC_without_affine() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 5, 3)], (g, x) =>
        {
            var (mean, variance) = RunningStats(g, 3);
            return BatchNormalization.Train(g, x[0], null, null, mean, variance).Y;
        });

    [Test]
    public void BatchNorm_eval_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 2, 2), CheckInput.Normal(2, 3), CheckInput.Normal(3, 3)], (g, x) =>
            BatchNormalization.Eval(g, x[0], x[1], x[2], g.Constant(TensorData.Doubles([0.1, -0.2, 0.3], 3)), g.Constant(TensorData.Doubles([0.5, 1.5, 2.0], 3))));

    [Test]
    public void L2Normalize_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 4, 5)], (g, x) => L2Normalize.Apply(g, x[0]));

    [Test]
    public void L2Normalize_gradient_of_a_zero_row_is_finite()
    {
        var g = new GraphBuilder("l2_zero");
        var x = g.Input("x", DType.Double, Shape.Of(2, 3));
        var loss = g.ReduceSum(g.Mul(L2Normalize.Apply(g, x), g.Constant(TensorData.Doubles([1, 2, 3, 4, 5, 6], 2, 3))));
        g.Output(Autodiff.Gradients(loss, [x])[0], "dx");
        using var runner = new OrtGraphRunner(g);
        var dx = runner.Run([[0, 0, 0, 1, 2, 2]])[0];
        Assert.That(dx.All(double.IsFinite), Is.True, string.Join(", ", dx));
    }

    /// <summary>
    /// conv-BN-ReLU-maxpool, a residual conv-BN block added back, ReLU, global pool, linear,
    /// cross-entropy: every kind of layer a ResNet uses, differentiated end to end.
    /// </summary>
    private static Value SmallCnn(GraphBuilder g, Value[] p)
    {
        var (x, w1, g1, b1, w2, g2, b2, fcW, fcB) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
        Value Zeros(int c) => g.Constant(TensorData.Floats(new float[c], c));
        Value Ones(int c) => g.Constant(TensorData.Floats(Enumerable.Repeat(1f, c).ToArray(), c));
        var h = g.Conv(x, w1, null, stride: 1, pad: 1);
        h = g.Relu(BatchNormalization.Train(g, h, g1, b1, Zeros(4), Ones(4)).Y);
        var pooled = g.MaxPool(h, Window2d.Of(3, 2, 1)).Y;
        var r = BatchNormalization.Train(g, g.Conv(pooled, w2, null, stride: 1, pad: 1), g2, b2, Zeros(4), Ones(4)).Y;
        var features = g.Flatten(g.GlobalAveragePool(g.Relu(g.Add(r, pooled))));
        var scores = g.Gemm(features, fcW, fcB, transB: true);
        return g.SoftmaxCrossEntropy(scores, g.Constant(TensorData.Longs([0, 2, 1, 2], 4)));
    }

    [Test]
    public void Small_CNN_gradient_matches_finite_differences_end_to_end()
    {
        // float32, since ORT runs Conv only in float32. The network has kinks (ReLU, max-pool
        // choice) that a step could cross, so the step is 1e-3 rather than Tolerance.Float's 1e-2.
        // The float32 rounding of the outputs then gives finite differences good to ~1e-4 (the
        // worst seen with zero tolerance was 1.1e-4); the bounds sit just above that, tight enough
        // that a max-pool rule 1 % off fails this check.
        var report = GradientChecker.Check(DType.Float,
            [CheckInput.Normal(1, 4, 1, 6, 6), CheckInput.Normal(2, 4, 1, 3, 3), CheckInput.Normal(3, 4), CheckInput.Normal(4, 4),
             CheckInput.Normal(5, 4, 4, 3, 3), CheckInput.Normal(6, 4), CheckInput.Normal(7, 4), CheckInput.Normal(8, 3, 4), CheckInput.Normal(9, 3)],
            SmallCnn, new Tolerance(1e-3, 3e-4, 3e-3));
        Assert.That(report.Passed, Is.True, report.ToString());
    }
}

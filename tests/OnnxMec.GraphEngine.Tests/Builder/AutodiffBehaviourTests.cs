namespace OnnxMec.GraphEngine.Tests.Builder;

public class AutodiffBehaviourTests
{
    [Test]
    public void No_backward_nodes_are_emitted_for_branches_that_do_not_reach_wrt()
    {
        var g = new GraphBuilder("t");
        var a = g.Input("a", DType.Double, Shape.Of(3));
        var c = g.Input("c", DType.Double, Shape.Of(3));
        Value unrelated;
        using (g.Scope("other")) unrelated = g.ReduceSum(g.Exp(g.Mul(c, c)));
        var loss = g.Add(g.ReduceSum(g.Mul(a, a)), unrelated);
        int before = g.Nodes.Count;
        Autodiff.Gradients(loss, [a]);
        var backward = g.Nodes.Skip(before).ToArray();
        Assert.That(backward.Where(n => n.Name.StartsWith("grad.other", StringComparison.Ordinal)), Is.Empty);
        Assert.That(backward.SelectMany(n => n.Inputs).Where(v => v == c), Is.Empty);
    }

    [Test]
    public void Stop_gradient_treats_its_output_as_a_constant()
    {
        // L = Σ x · sg(x): dL/dx = sg(x) = x, where without the marker it would be 2x.
        var g = new GraphBuilder("t");
        var x = g.Input("x", DType.Double, Shape.Of(3));
        var loss = g.ReduceSum(g.Mul(x, g.StopGradient(x)));
        g.Output(Autodiff.Gradients(loss, [x])[0], "dx");
        using var runner = new OrtGraphRunner(g);
        Assert.That(runner.Run([[1, -2, 3]])[0], Is.EqualTo(new[] { 1.0, -2, 3 }));
    }

    [Test]
    public void A_wrt_value_that_does_not_reach_the_loss_gets_zeros()
    {
        var g = new GraphBuilder("t");
        var x = g.Input("x", DType.Double, Shape.Of(2));
        var unused = g.Input("unused", DType.Double, Shape.Of(2, 2));
        var grads = Autodiff.Gradients(g.ReduceSum(x), [x, unused]);
        g.Output(grads[1], "d_unused");
        using var runner = new OrtGraphRunner(g);
        Assert.That(runner.Run([[1, 2], [1, 2, 3, 4]])[0], Is.EqualTo(new double[4]));
    }

    [Test]
    public void An_op_without_a_rule_is_reported_by_name()
    {
        var g = new GraphBuilder("t");
        var x = g.Input("x", DType.Double, Shape.Of(2));
        var e = Assert.Throws<GraphBuildException>(() => Autodiff.Gradients(g.ReduceSum(g.Abs(x, "magnitude")), [x]))!;
        Assert.That(e.Message, Does.Contain("no gradient rule for Abs").And.Contain("magnitude"));
    }

    [Test]
    public void Gradients_with_a_symbolic_batch_equal_those_of_the_static_graph()
    {
        double[] Run(Shape shape, long n)
        {
            var g = new GraphBuilder("bn");
            var x = g.Input("x", DType.Double, shape);
            var gamma = g.Input("gamma", DType.Double, Shape.Of(2));
            var bn = BatchNormalization.Train(g, x, gamma, null, g.Constant(TensorData.Doubles([0, 0], 2)), g.Constant(TensorData.Doubles([1, 1], 2)));
            var loss = g.ReduceSum(g.Mul(g.MaxPool(bn.Y, Window2d.Of(2, 2)).Y, g.Scalar(1.5, DType.Double)));
            var grads = Autodiff.Gradients(loss, [x, gamma]);
            g.Output(grads[0], "dx");
            g.Output(grads[1], "dgamma");
            g.Output(bn.RunningVar, "running_var");
            using var runner = new OrtGraphRunner(g);
            var data = TestRandom.Distinct(5, n * 2 * 4 * 4);
            var outputs = runner.Run([data, [0.7, -1.2]], [[n, 2, 4, 4], [2]]);
            return [.. outputs[0], .. outputs[1], .. outputs[2]];
        }

        foreach (long n in new long[] { 3, 5 })
            Assert.That(Run(new Shape(Dim.Sym("N"), 2, 4, 4), n), Is.EqualTo(Run(Shape.Of(n, 2, 4, 4), n)).Within(1e-12), $"batch {n}");
    }

    [Test]
    public void BatchNorm_running_statistics_follow_pytorch()
    {
        // PyTorch: running = 0.9 · running + 0.1 · batch, with the unbiased batch variance.
        var g = new GraphBuilder("bn");
        var x = g.Input("x", DType.Double, Shape.Of(4, 1));
        var bn = BatchNormalization.Train(g, x, null, null, g.Constant(TensorData.Doubles([1.0], 1)), g.Constant(TensorData.Doubles([2.0], 1)));
        g.Output(bn.RunningMean, "mean");
        g.Output(bn.RunningVar, "var");
        g.Output(bn.Y, "y");
        using var runner = new OrtGraphRunner(g);
        var outputs = runner.Run([[1, 2, 3, 6]]);
        double mean = 3, unbiased = (4 + 1 + 0 + 9) / 3.0, biased = 14 / 4.0;
        Assert.That(outputs[0][0], Is.EqualTo(0.9 * 1 + 0.1 * mean).Within(1e-12));
        Assert.That(outputs[1][0], Is.EqualTo(0.9 * 2 + 0.1 * unbiased).Within(1e-12));
        Assert.That(outputs[2][3], Is.EqualTo(3 / Math.Sqrt(biased + 1e-5)).Within(1e-12));
    }
}

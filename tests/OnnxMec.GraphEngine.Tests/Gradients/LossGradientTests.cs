namespace OnnxMec.GraphEngine.Tests.Gradients;

using static GradientChecker;

public class LossGradientTests
{
    [Test]
    public void SoftmaxCrossEntropy_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 5, 4)],
            (g, x) => g.SoftmaxCrossEntropy(x[0], g.Constant(TensorData.Longs([0, 3, 1, 3, 2], 5))));

    [Test]
    public void SoftmaxCrossEntropy_matches_its_definition()
    {
        var g = new GraphBuilder("ce");
        var scores = g.Input("scores", DType.Double, Shape.Of(2, 3));
        g.Output(g.SoftmaxCrossEntropy(scores, g.Constant(TensorData.Longs([2, 0], 2))));
        using var runner = new OrtGraphRunner(g);
        double[] s = [0.5, -1, 2, 0.1, 0.2, 0.3];
        double Row(int r, int label) => -(s[r * 3 + label] - Math.Log(Enumerable.Range(0, 3).Sum(j => Math.Exp(s[r * 3 + j]))));
        Assert.That(runner.Run([s])[0][0], Is.EqualTo((Row(0, 2) + Row(1, 0)) / 2).Within(1e-12));
    }
}

namespace OnnxMec.GraphEngine.Tests.Gradients;

using static GradientChecker;

public class ReductionGradientTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void ReduceSum_gradient_matches_finite_differences_over_two_axes(bool keepDims) =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 4)], (g, x) => g.ReduceSum(x[0], [0, 2], keepDims));

    [Test]
    public void ReduceSum_gradient_matches_finite_differences_over_all_axes() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3)], (g, x) => g.ReduceSum(x[0]));

    [TestCase(false)]
    [TestCase(true)]
    public void ReduceMean_gradient_matches_finite_differences_over_a_negative_axis(bool keepDims) =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 4)], (g, x) => g.ReduceMean(x[0], [-1], keepDims));

    [TestCase(false)]
    [TestCase(true)]
    public void ReduceSumSquare_gradient_matches_finite_differences(bool keepDims) =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 4)], (g, x) => g.ReduceSumSquare(x[0], [1], keepDims));
}

namespace OnnxMec.GraphEngine.Tests.Gradients;

using static GradientChecker;

public class LinearAlgebraGradientTests
{
    [Test]
    public void MatMul_2d_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 4), CheckInput.Normal(2, 4, 5)], (g, x) => g.MatMul(x[0], x[1]));

    [Test]
    public void MatMul_batched_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 4), CheckInput.Normal(2, 2, 4, 5)], (g, x) => g.MatMul(x[0], x[1]));

    [Test]
    public void MatMul_batched_by_2d_gradient_matches_finite_differences_summing_the_broadcast_batch() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 4), CheckInput.Normal(2, 4, 5)], (g, x) => g.MatMul(x[0], x[1]));

    [Test]
    public void MatMul_gradient_matches_finite_differences_with_batch_axes_broadcast_both_ways() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 1, 3, 4), CheckInput.Normal(2, 3, 4, 2)], (g, x) => g.MatMul(x[0], x[1]));

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void Gemm_gradient_matches_finite_differences(bool transA, bool transB) =>
        AssertGradientsMatch(DType.Double,
            [CheckInput.Normal(1, transA ? 4 : 3, transA ? 3 : 4), CheckInput.Normal(2, transB ? 5 : 4, transB ? 4 : 5), CheckInput.Normal(3, 5)],
            (g, x) => g.Gemm(x[0], x[1], x[2], transA, transB, alpha: 0.7, beta: 1.3));

    [Test]
    public void Gemm_gradient_matches_finite_differences_with_a_full_bias_matrix() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 4), CheckInput.Normal(2, 5, 4), CheckInput.Normal(3, 3, 5)],
            (g, x) => g.Gemm(x[0], x[1], x[2], transB: true));
}

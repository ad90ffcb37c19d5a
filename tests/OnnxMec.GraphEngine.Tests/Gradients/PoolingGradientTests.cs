namespace OnnxMec.GraphEngine.Tests.Gradients;

using static GradientChecker;

public class PoolingGradientTests
{
    // Distinct inputs ≥ 0.05 apart: a step of 1e-6 never changes which element is a window's maximum.
    private static CheckInput DistinctInput(int seed, params long[] shape) =>
        new(shape, TestRandom.Distinct(seed, shape.Aggregate(1L, (a, b) => a * b)));

    [Test]
    public void MaxPool_gradient_matches_finite_differences_for_overlapping_3x3_stride_2_padding_1_windows() =>
        AssertGradientsMatch(DType.Double, [DistinctInput(1, 2, 2, 7, 7)], (g, x) => g.MaxPool(x[0], Window2d.Of(3, 2, 1)).Y);

    [Test]
    public void MaxPool_gradient_matches_finite_differences_for_2x2_stride_2_on_an_odd_size() =>
        AssertGradientsMatch(DType.Double, [DistinctInput(2, 1, 3, 5, 5)], (g, x) => g.MaxPool(x[0], Window2d.Of(2, 2)).Y);

    [Test]
    public void MaxPool_gradient_matches_finite_differences_for_stride_1_windows_sharing_a_maximum() =>
        AssertGradientsMatch(DType.Double, [DistinctInput(3, 1, 1, 4, 4)], (g, x) => g.MaxPool(x[0], Window2d.Of(3, 1, 1)).Y);

    // AveragePool runs in float32 only on ORT CPU; it is linear, so the float step is exact.
    [Test]
    public void AveragePool_gradient_matches_finite_differences_for_3x3_stride_2_padding_1_excluding_pads() =>
        AssertGradientsMatch(DType.Float, [CheckInput.Normal(1, 2, 2, 7, 7)], (g, x) => g.AveragePool(x[0], Window2d.Of(3, 2, 1)));

    [Test]
    public void AveragePool_gradient_matches_finite_differences_for_3x3_stride_2_padding_1_including_pads() =>
        AssertGradientsMatch(DType.Float, [CheckInput.Normal(1, 2, 2, 7, 7)], (g, x) => g.AveragePool(x[0], Window2d.Of(3, 2, 1), countIncludePad: true));

    [Test]
    public void AveragePool_gradient_matches_finite_differences_for_2x2_stride_2_on_an_odd_size() =>
        AssertGradientsMatch(DType.Float, [CheckInput.Normal(2, 1, 3, 5, 5)], (g, x) => g.AveragePool(x[0], Window2d.Of(2, 2)));

    [Test]
    public void GlobalAveragePool_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Float, [CheckInput.Normal(3, 2, 3, 3, 5)], (g, x) => g.GlobalAveragePool(x[0]));
}

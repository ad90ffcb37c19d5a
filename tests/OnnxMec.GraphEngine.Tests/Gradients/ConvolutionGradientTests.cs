namespace OnnxMec.GraphEngine.Tests.Gradients;

using static GradientChecker;

// ORT CPU runs Conv, ConvTranspose and AveragePool in float32 only, so these checks run in float32
// (Tolerance.Float explains the bounds). Conv is linear in each input, so the step adds no error.
public class ConvolutionGradientTests
{
    private static void CheckConv(long[] input, long[] weight, Window2d window, bool bias) =>
        AssertGradientsMatch(DType.Float,
            bias ? [CheckInput.Normal(1, input), CheckInput.Normal(2, weight), CheckInput.Normal(3, weight[0])]
                 : [CheckInput.Normal(1, input), CheckInput.Normal(2, weight)],
            (g, x) => g.Conv(x[0], x[1], bias ? x[2] : null, window));

    [Test]
    public void Conv_3x3_gradient_matches_finite_differences_for_stride_1_padding_1() =>
        CheckConv([2, 3, 5, 5], [4, 3, 3, 3], Window2d.Of(3, 1, 1), bias: false);

    [Test]
    public void Conv_3x3_gradient_matches_finite_differences_for_stride_2_padding_1_on_an_odd_size() =>
        CheckConv([2, 2, 7, 7], [3, 2, 3, 3], Window2d.Of(3, 2, 1), bias: true);

    [Test]
    public void Conv_3x3_gradient_matches_finite_differences_for_stride_2_on_an_even_size() =>
        CheckConv([1, 2, 6, 6], [2, 2, 3, 3], Window2d.Of(3, 2, 1), bias: false);

    // From 128 input channels on, the weight gradient takes the other GEMM orientation (tapᵀ·dY).
    [Test]
    public void Conv_3x3_gradient_matches_finite_differences_for_128_input_channels() =>
        CheckConv([1, 128, 3, 3], [2, 128, 3, 3], Window2d.Of(3, 1, 1), bias: true);

    [Test]
    public void Conv_1x1_gradient_matches_finite_differences_for_stride_1() =>
        CheckConv([2, 3, 4, 4], [5, 3, 1, 1], Window2d.Of(1), bias: true);

    [Test]
    public void Conv_1x1_gradient_matches_finite_differences_for_stride_2() =>
        CheckConv([2, 3, 5, 5], [4, 3, 1, 1], Window2d.Of(1, 2), bias: false);

    [Test]
    public void Conv_gradient_matches_finite_differences_for_dilation_2() =>
        CheckConv([1, 2, 7, 7], [2, 2, 3, 3], Window2d.Of(3, 1, 2, 2), bias: false);

    [Test]
    public void Conv_gradient_matches_finite_differences_for_a_non_square_kernel_and_asymmetric_pads() =>
        CheckConv([1, 2, 6, 5], [3, 2, 3, 2], new Window2d([3, 2], [2, 1], [0, 1, 1, 0], [1, 1]), bias: true);

    [Test]
    public void Conv_7x7_stem_gradient_matches_finite_differences_for_stride_2_padding_3() =>
        CheckConv([1, 1, 9, 9], [2, 1, 7, 7], Window2d.Of(7, 2, 3), bias: false);
}

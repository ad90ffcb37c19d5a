namespace OnnxMec.GraphEngine.Tests.Gradients;

using static GradientChecker;

public class ShapingGradientTests
{
    [Test]
    public void Reshape_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 4)], (g, x) => g.Reshape(x[0], Shape.Of(4, 6)));

    [Test]
    public void Flatten_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 2, 2)], (g, x) => g.Flatten(x[0], 2));

    [Test]
    public void Transpose_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 4)], (g, x) => g.Transpose(x[0], 2, 0, 1));

    [Test]
    public void Concat_gradient_matches_finite_differences_for_three_inputs_of_different_sizes() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 1, 3), CheckInput.Normal(2, 2, 3, 3), CheckInput.Normal(3, 2, 2, 3)],
            (g, x) => g.Concat([x[0], x[1], x[2]], 1));

    [Test]
    public void Slice_gradient_matches_finite_differences_for_unit_steps_on_two_axes() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 4, 5, 3)], (g, x) => g.Slice(x[0], [1, -4], [3, 4], [0, 1]));

    [Test]
    public void Slice_gradient_matches_finite_differences_for_step_2() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 7)], (g, x) => g.Slice(x[0], [1], [7], [1], [2]));

    [Test]
    public void Slice_gradient_matches_finite_differences_for_a_negative_step_and_an_end_past_the_axis() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 8)], (g, x) => g.Slice(x[0], [-2, 0], [long.MinValue, 100], [1, 0], [-3, 2]));

    [Test]
    public void Split_gradient_matches_finite_differences_when_one_part_is_unused() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 7)], (g, x) =>
        {
            var parts = g.Split(x[0], 1, [2, 4, 1]);
            return g.Add(g.Mul(parts[0], 2.0), g.Slice(parts[1], [0], [2], [1]));
        });

    [Test]
    public void Squeeze_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 1, 3, 1)], (g, x) => g.Squeeze(x[0], 1, 3));

    [Test]
    public void Unsqueeze_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3)], (g, x) => g.Unsqueeze(x[0], 0, 3));

    [Test]
    public void Expand_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 1), CheckInput.Normal(2, 2, 3, 4)], (g, x) => g.Mul(g.ExpandAs(x[0], x[1]), x[1]));
}

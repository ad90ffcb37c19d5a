namespace OnnxMec.GraphEngine.Tests.Gradients;

using static GradientChecker;

public class ElementwiseGradientTests
{
    private static CheckInput Away(int seed, params long[] shape) =>
        new(shape, TestRandom.AwayFromZero(seed, shape.Aggregate(1L, (a, b) => a * b)));

    private static CheckInput Positive(int seed, params long[] shape) =>
        new(shape, TestRandom.Uniform(seed, shape.Aggregate(1L, (a, b) => a * b), 0.3, 2.0));

    [Test]
    public void Identity_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 4)], (g, x) => g.Identity(x[0]));

    [Test]
    public void Cast_gradient_matches_finite_differences_through_float32_and_back() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 4)], (g, x) => g.Cast(g.Mul(g.Cast(x[0], DType.Float), 3.0), DType.Double),
            new Tolerance(1e-3, 1e-4, 1e-4)); // the float32 round trip rounds x to ~6e-8 relative

    [Test]
    public void Neg_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 4)], (g, x) => g.Neg(x[0]));

    [Test]
    public void Relu_gradient_matches_finite_differences_away_from_the_kink() =>
        AssertGradientsMatch(DType.Double, [Away(2, 4, 5)], (g, x) => g.Relu(x[0]));

    [Test]
    public void Sqrt_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [Positive(3, 3, 4)], (g, x) => g.Sqrt(x[0]));

    [Test]
    public void Exp_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(4, 3, 4)], (g, x) => g.Exp(x[0]));

    [Test]
    public void Log_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [Positive(5, 3, 4)], (g, x) => g.Log(x[0]));

    [TestCase(2.0)]
    [TestCase(3.0)]
    [TestCase(-0.5)]
    [TestCase(1.7)]
    public void Pow_gradient_matches_finite_differences_for_a_constant_exponent(double p) =>
        AssertGradientsMatch(DType.Double, [Positive(6, 3, 4)], (g, x) => g.Pow(x[0], p));

    [Test]
    public void Add_gradient_matches_finite_differences_with_the_right_operand_broadcast() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3, 4), CheckInput.Normal(2, 3, 1)], (g, x) => g.Add(x[0], x[1]));

    [Test]
    public void Add_gradient_matches_finite_differences_with_the_left_operand_broadcast() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 1, 4), CheckInput.Normal(2, 2, 3, 4)], (g, x) => g.Add(x[0], x[1]));

    [Test]
    public void Sub_gradient_matches_finite_differences_with_broadcasting_both_ways() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 1), CheckInput.Normal(2, 1, 4)], (g, x) => g.Sub(x[0], x[1]));

    [Test]
    public void Mul_gradient_matches_finite_differences_with_broadcasting_both_ways() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 1, 4), CheckInput.Normal(2, 3, 1)], (g, x) => g.Mul(x[0], x[1]));

    [Test]
    public void Div_gradient_matches_finite_differences_with_broadcasting_both_ways() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 1), Away(2, 2, 1, 4)], (g, x) => g.Div(x[0], x[1]));

    [Test]
    public void Sum_gradient_matches_finite_differences_over_three_broadcast_operands() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 2, 3), CheckInput.Normal(2, 3), CheckInput.Normal(3, 2, 1)],
            (g, x) => g.Sum([x[0], x[1], x[2]]));

    [Test]
    public void Max_against_a_constant_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [new CheckInput([4, 5], TestRandom.Distinct(7, 20, 0.05))], (g, x) => g.Max(x[0], 0.0125));

    [Test]
    public void Max_of_two_inputs_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [new CheckInput([3, 4], TestRandom.Distinct(8, 12, 0.1)), new CheckInput([4], [0.03, -0.02, 0.14, -0.33])],
            (g, x) => g.Max(x[0], x[1]));

    [Test]
    public void Min_of_two_inputs_gradient_matches_finite_differences() =>
        AssertGradientsMatch(DType.Double, [new CheckInput([3, 4], TestRandom.Distinct(9, 12, 0.1)), new CheckInput([3, 1], [0.03, -0.02, 0.14])],
            (g, x) => g.Min(x[0], x[1]));

    [Test]
    public void Clip_gradient_matches_finite_differences_inside_and_outside_both_bounds() =>
        AssertGradientsMatch(DType.Double, [new CheckInput([4, 5], TestRandom.Distinct(10, 20, 0.1))], (g, x) => g.Clip(x[0], -0.425, 0.375));

    [Test]
    public void Clip_gradient_matches_finite_differences_with_only_a_lower_bound() =>
        AssertGradientsMatch(DType.Double, [new CheckInput([4, 5], TestRandom.Distinct(11, 20, 0.1))], (g, x) => g.Clip(x[0], -0.425, null));

    [Test]
    public void Where_gradient_matches_finite_differences_with_broadcast_branches() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 4), CheckInput.Normal(2, 4)], (g, x) =>
        {
            var condition = g.Constant(TensorData.Bools([true, false, false, true, false, true, true, false, true, true, false, false], 3, 4));
            return g.Where(condition, x[0], x[1]);
        });

    [Test]
    public void A_value_used_twice_gets_the_sum_of_both_gradients() =>
        AssertGradientsMatch(DType.Double, [CheckInput.Normal(1, 3, 4)], (g, x) => g.Add(g.Mul(x[0], x[0]), g.Exp(x[0])));
}

namespace OnnxMec.GraphEngine.Tests.Gradients;

public class CheckerSelfTests
{
    [Test]
    public void The_checker_rejects_a_deliberately_wrong_rule()
    {
        // A ReLU rule that forgets the mask: right for positive inputs, wrong for negative ones.
        var wrong = GradientRules.Default.With("Relu", c => [c.D]);
        var input = new CheckInput([4, 5], TestRandom.AwayFromZero(2, 20));
        var report = GradientChecker.Check(DType.Double, [input], (g, x) => g.Relu(x[0]), rules: wrong);
        Assert.That(report.Passed, Is.False);
        Assert.That(report.Failed, Is.EqualTo(input.Data.Count(v => v < 0)), "every negative input should be caught");
    }

    [Test]
    public void The_checker_rejects_a_rule_off_by_a_constant_factor()
    {
        var wrong = GradientRules.Default.With("Exp", c => [c.G.Mul(c.G.Mul(c.D, c.Y()), 1.001)]);
        var report = GradientChecker.Check(DType.Double, [CheckInput.Normal(3, 3, 3)], (g, x) => g.Exp(x[0]), rules: wrong);
        Assert.That(report.Passed, Is.False);
    }

    [Test]
    public void The_correct_rule_passes_the_same_check()
    {
        var report = GradientChecker.Check(DType.Double, [new CheckInput([4, 5], TestRandom.AwayFromZero(2, 20))], (g, x) => g.Relu(x[0]));
        Assert.That(report.Passed, Is.True, report.ToString());
    }
}

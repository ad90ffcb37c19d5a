namespace OnnxMec.Graphs.Tests.Mec;

public class MecObjectiveTests
{
    private static readonly MecObjective Mec = new();

    /// <summary>λ⁻¹ at a step of a run with 50 steps per epoch, 10 warm-up epochs of 100, a global batch of 2 and ε_d² = 1 (so λ⁻¹ settles at 2).</summary>
    private static double LambdaInv(long step, double factor = 8) =>
        Mec.ScalarValue(MecObjective.LambdaInv, new ScheduleContext(step, step / 50.0, 10, 100, 2,
            new Dictionary<string, double> { [MecObjective.EpsD2] = 1, [MecObjective.LambdaWarmupFactor] = factor }));

    [Test]
    public void Lambda_inv_falls_linearly_from_eight_times_its_value_over_the_warm_up()
    {
        Assert.That(LambdaInv(0), Is.EqualTo(16).Within(1e-12));
        Assert.That(LambdaInv(250), Is.EqualTo(9).Within(1e-12));
        Assert.That(LambdaInv(500), Is.EqualTo(2).Within(1e-12));
        Assert.That(LambdaInv(4000), Is.EqualTo(2).Within(1e-12));
    }

    [Test]
    public void A_warm_up_factor_of_one_holds_lambda_inv_at_batch_times_eps()
    {
        foreach (long step in new long[] { 0, 37, 999 })
            Assert.That(LambdaInv(step, factor: 1), Is.EqualTo(2).Within(1e-12));
    }

    [Test]
    public void Invalid_settings_are_listed_together_by_name()
    {
        var errors = Mec.ValidateSettings(new Dictionary<string, double> { [MecObjective.EpsD2] = double.PositiveInfinity, [MecObjective.LambdaWarmupFactor] = double.NaN });
        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(string.Join("\n", errors), Does.Contain("Loss:EpsD2").And.Contain("Loss:LambdaWarmupFactor"));
    }
}

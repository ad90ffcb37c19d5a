namespace OnnxMec.Runtime.Tests;

public class SchedulesTests
{
    private static readonly Schedules Reference = new(new ScheduleOptions { BaseLearningRate = 0.4, WarmupEpochs = 10, Epochs = 100 }, stepsPerEpoch: 50);

    [Test]
    public void The_learning_rate_warms_up_linearly_then_follows_a_cosine_to_zero()
    {
        Assert.That(Reference.LearningRate(0), Is.Zero);
        Assert.That(Reference.LearningRate(250), Is.EqualTo(0.2).Within(1e-12), "half-way through the warm-up");
        Assert.That(Reference.LearningRate(500), Is.EqualTo(0.4).Within(1e-12));
        Assert.That(Reference.LearningRate(500 + 45 * 50), Is.EqualTo(0.2).Within(1e-12), "half-way through the cosine");
        Assert.That(Reference.LearningRate(5000), Is.EqualTo(0).Within(1e-12));
    }

    [Test]
    public void The_ema_momentum_rises_on_a_cosine_from_0_996_to_1()
    {
        Assert.That(Reference.EmaMomentum(0), Is.EqualTo(0.996).Within(1e-12));
        Assert.That(Reference.EmaMomentum(2500), Is.EqualTo(0.998).Within(1e-12));
        Assert.That(Reference.EmaMomentum(5000), Is.EqualTo(1).Within(1e-12));
    }

    [Test]
    public void Constant_options_hold_their_values()
    {
        var s = new Schedules(new ScheduleOptions { BaseLearningRate = 0.3, LrSchedule = ScheduleKind.Constant, EmaSchedule = ScheduleKind.Constant, EmaMomentum = 0.99 }, 10);
        foreach (long step in new long[] { 0, 37, 999 })
            Assert.That(s.At(step), Is.EquivalentTo(new Dictionary<string, float> { [ArtifactNames.Lr] = 0.3f, [ArtifactNames.EmaMomentum] = 0.99f }));
    }

    [Test]
    public void Invalid_options_are_listed_together()
    {
        var errors = new ScheduleOptions { BaseLearningRate = -1, WarmupEpochs = 200, LrSchedule = (ScheduleKind)7 }.Validate();
        Assert.That(errors, Has.Count.EqualTo(3));
    }
}

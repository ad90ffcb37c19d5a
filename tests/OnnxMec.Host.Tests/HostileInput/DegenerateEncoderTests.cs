using System.Text.Json;
using OnnxMec.Host.Evaluation;

namespace OnnxMec.Host.Tests.HostileInput;

/// <summary>A degenerate encoder scores chance or is refused, never more (ties and NaN never count as right).</summary>
public class DegenerateEncoderTests
{
    /// <summary>
    /// Chance on the embedded split's 9,000 queries: its 10 classes hold about 900 queries each, so
    /// one class for every query scores about 10 %; a point more allows for the split's imbalance.
    /// </summary>
    private const double Chance = 11;

    [OneTimeSetUp]
    public void MakeTheInputs() => HostileWorld.Ensure();

    [Test]
    public void Eval_knn_of_a_constant_encoder_scores_at_most_chance()
    {
        var (exit, output) = CliRunner.Run("eval", "knn", "--threads", "1", "--json", "--checkpoint", Path.Combine(HostileWorld.Bad, "constant.safetensors"));
        Assert.That(exit, Is.Zero, output);
        using var json = JsonDocument.Parse(CliRunner.LastLine(output));
        Assert.That(json.RootElement.GetProperty("knn_top1").GetDouble(), Is.LessThanOrEqualTo(Chance), output);
    }

    [Test]
    public void Eval_linear_of_a_constant_encoder_scores_at_most_chance()
    {
        var (exit, output) = CliRunner.Run("eval", "linear", "--threads", "1", "--json", "--epochs", "2", "--checkpoint", Path.Combine(HostileWorld.Bad, "constant.safetensors"));
        Assert.That(exit, Is.Zero, output);
        using var json = JsonDocument.Parse(CliRunner.LastLine(output));
        Assert.That(json.RootElement.GetProperty("top1").GetDouble(), Is.LessThanOrEqualTo(Chance), output);
    }

    [Test]
    public void A_tie_counts_as_right_only_for_the_lowest_tied_class_and_a_nan_score_never()
    {
        Assert.That(Ranking.RankOf([1.0, 1.0, 1.0], 0), Is.Zero);
        Assert.That(Ranking.RankOf([1.0, 1.0, 1.0], 2), Is.EqualTo(2), "all tied: only class 0 is top-1");
        Assert.That(Ranking.RankOf([double.NaN, double.NaN, double.NaN], 1), Is.EqualTo(3), "NaN ranks last");
        Assert.That(Ranking.RankOf([double.NaN, 0.5, 0.2], 2), Is.EqualTo(1), "a NaN rival does not count against a real score");
        Assert.That(Ranking.RankOf([0.1f, float.NaN], 1), Is.EqualTo(2));
    }
}

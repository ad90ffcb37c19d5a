using OnnxMec.Host.Cli;
using OnnxMec.Host.Evaluation;
using OnnxMec.Host.Training;

namespace OnnxMec.Host.Tests;

/// <summary>The line a run ends with gives a kNN accuracy as its result only where it was measured on the weights the run ended with.</summary>
public class RunSummaryTests
{
    private static TrainingOutcome Outcome(long steps, bool interrupted, params MeasuredKnn[] measured) => new()
    {
        RunDir = "runs/x", Steps = steps, TotalSteps = 100, Seconds = 12, Interrupted = interrupted,
        KnnInit = measured.FirstOrDefault(m => m.Step == 0), KnnLast = measured.LastOrDefault(),
    };

    private static MeasuredKnn Knn(long step, double top1, string label) => new(new KnnResult(top1, 90, 1000, 500), step, label);

    [Test]
    public void A_finished_run_reports_the_knn_of_its_final_weights()
    {
        var o = Outcome(100, false, Knn(0, 60, "random init"), Knn(100, 70, "trained"));
        Assert.That(o.KnnFinal?.Top1, Is.EqualTo(70));
        Assert.That(TrainCommand.Summary(o), Does.StartWith("Finished after 100 of 100 steps").And.Contain("kNN top-1 70.00 % on the final weights"));
    }

    [Test]
    public void An_interrupted_run_does_not_present_the_random_init_knn_as_its_result()
    {
        var o = Outcome(37, true, Knn(0, 63.5, "random init"));
        Assert.That(o.KnnFinal, Is.Null);
        string summary = TrainCommand.Summary(o);
        Assert.That(summary, Does.StartWith("Interrupted after 37 of 100 steps"));
        Assert.That(summary, Does.Contain("the last kNN measured: top-1 63.50 % at step 0 (random init), not on the final weights"));
        Assert.That(summary, Does.Not.Contain("kNN top-1 63.50 %"));
    }

    [Test]
    public void A_run_with_no_knn_says_nothing_about_it()
    {
        Assert.That(TrainCommand.Summary(Outcome(100, false)), Does.Not.Contain("kNN"));
    }
}

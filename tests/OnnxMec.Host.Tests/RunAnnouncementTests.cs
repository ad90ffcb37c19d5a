using OnnxMec.Host.Configuration;
using OnnxMec.Host.Training;

namespace OnnxMec.Host.Tests;

public class RunAnnouncementTests
{
    [Test]
    public void The_settings_summary_lists_every_setting_as_set_takes_it_with_the_loss_defaults()
    {
        var options = new TrainingOptions { RunDir = "runs/x" };
        string json = System.Text.Json.JsonSerializer.Serialize(options);
        var lines = SettingsSummary.Lines(json, new Dictionary<string, double> { ["EpsD2"] = 1, ["LambdaWarmupFactor"] = 8 });
        string all = string.Join(" ", lines);
        foreach (var key in new[] { "Artifacts=artifacts/resnet18-mini", "BatchSize=128", "Epochs=10", "Lr=0.05", "WarmupEpochs=1", "Data:Source=fashion-mnist",
                     "Data:MinScale=0.2", "Knn:K=200", "Knn:EveryEpochs=0", "Loss:EpsD2=1", "Loss:LambdaWarmupFactor=8", "EmaMomentum=0.996", "KeepCheckpoints=3", "RunDir=runs/x" })
            Assert.That(all, Does.Contain(key));
        Assert.That(all, Does.Not.Contain("InitWeights"), "unset optional paths are left out");
        Assert.That(lines, Has.All.Length.LessThanOrEqualTo(78), "fits an 80-column terminal");
    }

    [Test]
    public void Train_with_no_config_says_so_and_announces_its_settings_and_length_before_the_first_step()
    {
        string run = HostFixture.NewRunDir("announce");
        var (exit, output) = CliRunner.Run(["train", "--run-dir", run, .. HostFixture.ShortRun(1, "Knn:AtStart=false", "Export=false")]);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("No --config: training with the built-in defaults"));
        Assert.That(output, Does.Contain("Length: 1 epoch × 31 steps of 32 images = 31 steps, 992 images"));
        Assert.That(output, Does.Contain("BatchSize=32").And.Contain("Loss:EpsD2=1").And.Contain("Knn:MaxQueries=500"));
        Assert.That(output, Does.Contain("to the model's 1×28×28 input: already 28×28"));
        Assert.That(output.IndexOf("Length:", StringComparison.Ordinal), Is.LessThan(output.IndexOf("epoch 1 step", StringComparison.Ordinal)));
    }

    [Test]
    public void Data_MaxTrain_trains_on_the_first_images_only_and_says_so()
    {
        string run = HostFixture.NewRunDir("max-train");
        var (exit, output) = CliRunner.Run(["train", "--run-dir", run, .. HostFixture.ShortRun(1, "Knn:AtStart=false", "Export=false", "Data:MaxTrain=320")]);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("its first 320 images (Data:MaxTrain)"));
        Assert.That(output, Does.Contain("Length: 1 epoch × 10 steps of 32 images = 10 steps, 320 images"));
    }
}

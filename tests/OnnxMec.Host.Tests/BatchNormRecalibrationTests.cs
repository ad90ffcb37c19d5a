using System.Text.Json;
using OnnxMec.Contract;
using OnnxMec.Host.Evaluation;
using OnnxMec.Host.Training;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Tests;

public class BatchNormRecalibrationTests
{
    [Test]
    public void A_recalibrated_run_differs_from_a_plain_one_only_in_the_encoders_statistics_which_it_measures()
    {
        // The shared run's settings plus recalibration over 512 images (16 batches of 32), and a final
        // kNN over every query, as eval knn measures it (the kNN does not touch training).
        string plain = HostFixture.TrainedRun;
        string recalibrated = HostFixture.NewRunDir("recalibrated");
        var (exit, output) = CliRunner.Run(["train", "--run-dir", recalibrated, .. HostFixture.ShortRun(1, "Knn:AtStart=false", "Export=false", "RecalibrateBatchNorm=512", "Knn:MaxQueries=0")]);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("BatchNorm recalibrated over 512 un-augmented training images (16 batches"));

        const string file = "checkpoints/checkpoint-00000031.safetensors";
        var before = CheckpointStore.Load(Path.Combine(plain, file));
        var after = CheckpointStore.Load(Path.Combine(recalibrated, file));
        var set = ArtifactSetFolder.Open(HostFixture.TinySet);
        var roles = set.Manifest.Tensors.ToDictionary(t => t.Name, t => t.Role);
        var afterByName = after.State.ToDictionary(t => t.Name);
        int changed = 0;
        foreach (var t in before.State)
        {
            bool encoderStatistic = roles[t.Name] == Roles.BnStat && !t.Name.StartsWith("predictor.", StringComparison.Ordinal);
            bool same = t.Data.AsSpan().SequenceEqual(afterByName[t.Name].Data);
            if (encoderStatistic) { if (!same) changed++; }
            else Assert.That(same, Is.True, $"'{t.Name}' ({roles[t.Name]}) must be untouched by recalibration");
        }
        int statistics = before.State.Count(t => roles[t.Name] == Roles.BnStat && !t.Name.StartsWith("predictor.", StringComparison.Ordinal));
        Assert.That(changed, Is.EqualTo(statistics), "every running statistic of the backbone and projector is replaced");

        // The statistics are the batch averages over the same seeded images, recomputed here from the plain run's weights.
        var run = TrainedEncoder.Load(Path.Combine(plain, file), null).Run!;
        var data = TrainingData.Create(run.DataSource, run.Options.Data, run.Recipe, set.Manifest.Config);
        var online = before.State.Where(t => Roles.IsOnline(roles[t.Name])).ToList();
        var expected = BatchNormRecalibration.Run(set, online, data.Train, data.Evaluation, 512, 32, 0, false, new SessionFactory(new RuntimeOptions { Threads = 1 }));
        Assert.That((expected.Images, expected.Batches), Is.EqualTo((512, 16)));
        foreach (var t in expected.Online.Where(t => roles[t.Name] == Roles.BnStat && !t.Name.StartsWith("predictor.", StringComparison.Ordinal)))
        {
            var got = afterByName[t.Name].AsFloat32();
            var want = t.AsFloat32();
            for (int i = 0; i < want.Length; i++)
                Assert.That(got[i], Is.EqualTo(want[i]).Within(1e-5 + 1e-4 * Math.Abs(want[i])), $"{t.Name}[{i}]");
        }

        // The run's final kNN was measured on the checkpoint it wrote: eval knn of it gives the same number.
        var knn = MetricsLog.Read(Path.Combine(recalibrated, "metrics.jsonl"), "knn").Last();
        var record = MetricsLog.Read(Path.Combine(recalibrated, "metrics.jsonl"), "batchnorm").Single();
        Assert.That(record.GetProperty("images").GetInt32(), Is.EqualTo(512));
        var (evalExit, evalOutput) = CliRunner.Run("eval", "knn", "--checkpoint", Path.Combine(recalibrated, file), "--json", "--threads", "1");
        Assert.That(evalExit, Is.Zero, evalOutput);
        double measured = JsonDocument.Parse(CliRunner.LastLine(evalOutput)).RootElement.GetProperty("knn_top1").GetDouble();
        Assert.That(measured, Is.EqualTo(knn.GetProperty("knn_top1").GetDouble()).Within(1e-9));
    }

    [Test]
    public void Resuming_a_finished_run_with_recalibration_recalibrates_it_and_measures_it_again()
    {
        string run = HostFixture.NewRunDir("recalibrated-later");
        var (exit, output) = CliRunner.Run(["train", "--run-dir", run, .. HostFixture.ShortRun(1, "Knn:AtStart=false", "Export=false")]);
        Assert.That(exit, Is.Zero, output);
        string latest = Path.Combine(run, "checkpoints", CheckpointStore.LatestFile);
        var trained = CheckpointStore.Load(latest).State.ToDictionary(t => t.Name);
        int knnBefore = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"), "knn").Count();

        (exit, output) = CliRunner.Run("train", "--resume", "--run-dir", run, "--set", "RecalibrateBatchNorm=256", "--set", "Threads=1");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("0 steps to go").And.Contain("BatchNorm recalibrated over 256 un-augmented training images (8 batches"));
        var after = CheckpointStore.Load(latest);
        Assert.That(after.Info.Step, Is.EqualTo(31), "no step was trained");
        var roles = ArtifactSetFolder.Open(HostFixture.TinySet).Manifest.Tensors.ToDictionary(t => t.Name, t => t.Role);
        var statistics = after.State.Where(t => roles[t.Name] == Roles.BnStat && !t.Name.StartsWith("predictor.", StringComparison.Ordinal)).ToList();
        Assert.That(statistics, Is.Not.Empty);
        Assert.That(statistics.Where(t => t.Data.AsSpan().SequenceEqual(trained[t.Name].Data)).Select(t => t.Name), Is.Empty, "the checkpoint holds the new statistics");
        var knn = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"), "knn").ToList();
        Assert.That((knn.Count, knn[^1].GetProperty("step").GetInt64()), Is.EqualTo((knnBefore + 1, 31L)), "the final kNN was measured again, on the recalibrated weights");
    }
}

using System.Diagnostics;
using System.Text.Json;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Tests;

public class TrainCommandTests
{
    [Test]
    public void Train_leaves_a_run_folder_with_config_metrics_checkpoints_encoder_and_chart()
    {
        string run = HostFixture.NewRunDir("train");
        var (exit, output) = CliRunner.Run(["train", "--run-dir", run, "--json", .. HostFixture.ShortRun(2)]);
        Assert.That(exit, Is.Zero, output);
        foreach (var file in new[] { "config.json", "metrics.jsonl", "encoder.onnx", "training.png" })
            Assert.That(File.Exists(Path.Combine(run, file)), file);
        Assert.That(Directory.GetFiles(Path.Combine(run, "checkpoints"), "checkpoint-*.safetensors"), Is.Not.Empty);
        Assert.That(HostFixture.Steps(run).Select(s => s.Step), Is.EqualTo(Enumerable.Range(1, 62).Select(i => (long)i)));
        var knn = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Contains("\"knn\"")).ToList();
        Assert.That(knn, Has.Count.EqualTo(2), "at the start and at the end");
        using var json = JsonDocument.Parse(CliRunner.LastLine(output));
        Assert.That(json.RootElement.GetProperty("knn_top1").GetDouble(), Is.InRange(10, 100));
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.That(config.RootElement.GetProperty("BatchSize").GetInt32(), Is.EqualTo(32), "the resolved config is written");

        // kNN ran at the start and the end only: the epoch-1 checkpoint has no score, the final one has the final kNN, and is best and latest.
        string checkpoints = Path.Combine(run, "checkpoints");
        Assert.That(CheckpointStore.Load(Path.Combine(checkpoints, "checkpoint-00000031.safetensors")).Info.Score, Is.Null);
        var best = CheckpointStore.Load(Path.Combine(checkpoints, CheckpointStore.BestFile));
        Assert.That((best.Info.Step, best.Info.Score), Is.EqualTo((62L, (double?)json.RootElement.GetProperty("knn_top1").GetDouble())));
        Assert.That(CheckpointStore.Load(Path.Combine(checkpoints, CheckpointStore.LatestFile)).Info.Step, Is.EqualTo(62));
    }

    [Test]
    public void A_run_killed_with_sigkill_and_resumed_gives_bit_identical_losses()
    {
        string[] settings = HostFixture.ShortRun(3, "CheckpointEverySteps=10", "CheckpointEveryEpochs=0", "Export=false", "Knn:AtStart=false");
        string whole = HostFixture.NewRunDir("whole"), killed = HostFixture.NewRunDir("killed");
        Assert.That(CliRunner.Run(["train", "--run-dir", whole, .. settings]).Exit, Is.Zero);
        var uninterrupted = HostFixture.Steps(whole);
        Assert.That(uninterrupted, Has.Count.EqualTo(93));

        using (var child = HostFixture.StartCli(["train", "--run-dir", killed, .. settings]))
        {
            var deadline = Stopwatch.StartNew();
            while (HostFixture.Steps(killed).Count < 35 && !child.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(50);
            Assert.That(child.HasExited, Is.False, "the run was still going when killed");
            child.Kill();   // SIGKILL: no chance to checkpoint
            child.WaitForExit();
        }
        long killedAt = HostFixture.Steps(killed).Max(s => s.Step);
        var (exit, output) = CliRunner.Run("train", "--resume", "--run-dir", killed);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("Resuming from").And.Contain("at step 30"));
        var resumed = HostFixture.Steps(killed).SkipWhile(s => s.Step != killedAt).Skip(1).ToList();
        Assert.That(resumed.First().Step, Is.EqualTo(31), $"killed after step {killedAt}, resumed at the step-30 checkpoint, mid-epoch");
        Assert.That(resumed, Is.EqualTo(uninterrupted.Skip(30)), "steps 31–93 equal the uninterrupted run's, bit for bit");
    }

    [Test]
    public void Sigterm_finishes_the_step_writes_a_checkpoint_and_exits_0()
    {
        string run = HostFixture.NewRunDir("sigterm");
        using var child = HostFixture.StartCli(["train", "--run-dir", run, "--json", .. HostFixture.ShortRun(50, "CheckpointEveryEpochs=0")]);
        var deadline = Stopwatch.StartNew();
        while (HostFixture.Steps(run).Count < 5 && deadline.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(50);
        Process.Start("kill", ["-TERM", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        Assert.That(child.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, "the process exits after SIGTERM");
        string stdout = child.StandardOutput.ReadToEnd();
        Assert.That(child.ExitCode, Is.Zero, stdout + child.StandardError.ReadToEnd());
        Assert.That(stdout, Does.Contain("interrupted after step"));
        long last = HostFixture.Steps(run).Max(s => s.Step);
        Assert.That(File.Exists(Path.Combine(run, "checkpoints", $"checkpoint-{last:D8}.safetensors")), Is.True, $"a checkpoint at the last step, {last}");
        // The only kNN was the random init's: reported as that, never as the run's result.
        Assert.That(stdout, Does.Contain($"Interrupted after {last} of 1,550 steps").And.Contain("at step 0 (random init), not on the final weights"));
        var json = JsonDocument.Parse(CliRunner.LastLine(stdout)).RootElement;
        Assert.That(json.GetProperty("knn_top1").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That((json.GetProperty("knn_last_step").GetInt64(), json.GetProperty("interrupted").GetBoolean()), Is.EqualTo((0L, true)));
    }

    [Test]
    public void An_invalid_config_lists_every_bad_field_and_exits_2()
    {
        var (exit, output) = CliRunner.Run("train", "--set", "BatchSize=1", "--set", "Lr=-1", "--set", "Data:Source=mnist-ish", "--set", "Knn:K=0", "--set", "Device=tpu");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("BatchSize: 1").And.Contain("Lr: -1").And.Contain("Data:Source: 'mnist-ish'").And.Contain("Knn:K: 0").And.Contain("Device: 'tpu'"));
    }

    [Test]
    public void Settings_come_from_the_file_then_the_environment_then_the_command_line()
    {
        string file = Path.Combine(HostFixture.Root, "precedence.json");
        File.WriteAllText(file, """{ "Lr": 0.1, "Epochs": 4, "Seed": 9 }""");
        Environment.SetEnvironmentVariable("ONNXMEC__Epochs", "5");
        Environment.SetEnvironmentVariable("ONNXMEC__Seed", "11");
        try
        {
            var options = Configuration.ConfigurationSources.Bind(Configuration.ConfigurationSources.Build(file, new Dictionary<string, string?>(),
                Cli.CliOutput.Settings(["Seed=12"])));
            Assert.That((options.Options.Lr, options.Options.Epochs, options.Options.Seed), Is.EqualTo((0.1, 5, 12)));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ONNXMEC__Epochs", null);
            Environment.SetEnvironmentVariable("ONNXMEC__Seed", null);
        }
    }

    [Test]
    public void An_unknown_setting_is_refused_by_name()
    {
        var (exit, output) = CliRunner.Run("train", "--set", "LearningRate=0.3");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output, Does.Contain("LearningRate"));
    }
}

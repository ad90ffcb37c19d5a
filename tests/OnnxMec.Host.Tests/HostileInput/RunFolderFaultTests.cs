using System.Diagnostics;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Tests.HostileInput;

/// <summary>Faults around a run folder: a second process, a kill's leftovers, a full disk, and failures after training (class 4).</summary>
public class RunFolderFaultTests
{
    [OneTimeSetUp]
    public void MakeTheInputs() => HostileWorld.Ensure();

    /// <summary>A copy of the trained run (a finished one-epoch run) to change.</summary>
    private static string CopyOfRun(string name)
    {
        string copy = HostFixture.NewRunDir(name);
        foreach (var file in Directory.GetFiles(HostileWorld.Run, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "run.lock"))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(HostileWorld.Run, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }

    private static DiskSnapshot Snapshot(string run) => DiskSnapshot.Take([run], [run]);

    [Test]
    public void A_second_process_on_a_run_folder_is_refused_naming_the_holders_pid()
    {
        string run = HostFixture.NewRunDir("locked");
        using var first = HostFixture.StartCli(["train", "--run-dir", run, .. HostFixture.ShortRun(50, "Knn:AtStart=false", "CheckpointEveryEpochs=0")]);
        try
        {
            var deadline = Stopwatch.StartNew();
            while (HostFixture.Steps(run).Count < 2 && !first.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(50);
            Assert.That(first.HasExited, Is.False, "the first run is training");
            string config = File.ReadAllText(Path.Combine(run, "config.json"));

            var (freshExit, fresh) = CliRunner.Run(["train", "--run-dir", run, .. HostFixture.ShortRun(1)]);
            var (resumeExit, resumed) = CliRunner.Run("train", "--resume", "--run-dir", run, "--set", "Threads=2");
            Assert.That((freshExit, resumeExit), Is.EqualTo((2, 2)), fresh + resumed);
            Assert.That(fresh, Does.Contain($"in use by process {first.Id}").And.Contain(run), fresh);
            Assert.That(resumed, Does.Contain($"in use by process {first.Id}"), resumed);
            Assert.That(File.ReadAllText(Path.Combine(run, "config.json")), Is.EqualTo(config), "the first run's settings are kept");
            Assert.That(first.HasExited, Is.False, "the first run goes on");
        }
        finally
        {
            first.Kill();
            first.WaitForExit();
        }
        var steps = HostFixture.Steps(run);
        Assert.That(steps.Select(s => s.Step), Is.EqualTo(Enumerable.Range(1, steps.Count).Select(i => (long)i)), "metrics.jsonl holds one run's steps, in order, every line JSON");
    }

    [Test]
    public void Temporary_files_a_killed_run_left_are_removed_when_the_folder_is_taken_again()
    {
        string run = CopyOfRun("stale");
        string[] stale = [Path.Combine(run, "checkpoints", "checkpoint-00000040.safetensors.tmp-99999"), Path.Combine(run, "config.json.tmp-12345")];
        foreach (var file in stale) File.WriteAllText(file, "half-written");
        var (exit, output) = CliRunner.Run("train", "--resume", "--run-dir", run);
        Assert.That(exit, Is.Zero, output);
        Assert.That(stale.Where(File.Exists), Is.Empty);
    }

    [Test]
    public void A_full_disk_while_checkpointing_is_one_error_naming_the_file_and_leaves_the_checkpoint_as_it_was()
    {
        // Resuming a finished run checkpoints its state again at the end; 200 KiB is less than one
        // checkpoint (about 590 KiB), so that write fails.
        string run = CopyOfRun("full-disk");
        var before = Snapshot(Path.Combine(run, "checkpoints"));
        var (exit, output) = CliProcess.RunWithFileSizeLimit(200, "train", "--resume", "--run-dir", run);
        string checkpoint = Path.Combine(run, "checkpoints", "checkpoint-00000031.safetensors");
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain($"error: {checkpoint}: cannot be written").And.Not.Contain("   at "));
        Assert.That(Snapshot(Path.Combine(run, "checkpoints")).ChangesSince(before), Is.Empty, "no checkpoint changed, no temporary file left");
        Assert.That(CheckpointStore.Load(Path.Combine(run, "checkpoints", "latest.safetensors")).Info.Step, Is.EqualTo(31));
    }

    [Test]
    public void A_final_knn_that_fails_after_training_is_reported_with_exit_2_and_the_trained_state_checkpointed_first()
    {
        // Knn:AtStart=false: the unreadable query is met only by the final kNN, after the one epoch.
        string run = HostFixture.NewRunDir("end-knn");
        var (exit, output) = CliRunner.Run("train", "--run-dir", run, "--set", $"Artifacts={HostFixture.TinySet}", "--set", "Data:Source=folder",
            "--set", $"Data:Train={HostileWorld.Images}/bad-test/train", "--set", $"Data:Test={HostileWorld.Images}/bad-test/test",
            "--set", "BatchSize=8", "--set", "Epochs=1", "--set", "WarmupEpochs=0", "--set", "Threads=1", "--set", "Knn:AtStart=false", "--set", "Knn:K=5");
        string checkpoint = Path.Combine(run, "checkpoints", "checkpoint-00000006.safetensors");
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("the final kNN evaluation failed").And.Contain("bad-test/test/dog/003.png").And.Contain($"the trained state is safe in {checkpoint}"));
        Assert.That(CheckpointStore.Load(checkpoint).Info.Step, Is.EqualTo(6));
        Assert.That(File.Exists(Path.Combine(run, "encoder.onnx")), Is.True, "export and the chart still run after a failed evaluation");
    }

    [Test]
    public void An_export_and_a_chart_that_fail_at_the_end_are_reported_with_exit_2_and_the_checkpoint_is_intact()
    {
        string run = CopyOfRun("end-export");
        Directory.CreateDirectory(Path.Combine(run, "encoder.onnx"));
        Directory.CreateDirectory(Path.Combine(run, "training.png"));
        var (exit, output) = CliRunner.Run("train", "--resume", "--run-dir", run, "--set", "Export=true");
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("exporting the encoder failed").And.Contain("encoder.onnx: is a folder"));
        Assert.That(output, Does.Contain("drawing the chart failed").And.Contain("training.png"));
        Assert.That(CheckpointStore.Load(Path.Combine(run, "checkpoints", "latest.safetensors")).Info.Score, Is.Not.Null, "the final kNN was measured and recorded");
    }
}

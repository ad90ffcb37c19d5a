using System.Diagnostics;
using System.Text.Json;
using OnnxMec.Host.Distributed;
using OnnxMec.Runtime.Tests.DataParallel;

namespace OnnxMec.Host.Tests.Distributed;

/// <summary>
/// Data-parallel training with real processes under Open MPI's mpirun on this machine, against
/// references in one process: the same run without MPI, and the same two-process computation with
/// the processes as threads (the one global loss, BatchNorm per process).
/// </summary>
[NonParallelizable]
public class DataParallelTrainingTests
{
    /// <summary>A short run of the tiny set: 1,000 images, global batch 32 (31 steps an epoch), checkpoints every 10 steps.</summary>
    private static string[] Settings(string runDir, int epochs = 1, params string[] extra) =>
        ["train", "--run-dir", runDir, .. HostFixture.ShortRun(epochs, ["Knn:AtStart=false", "Export=false", "CheckpointEverySteps=10", "CheckpointEveryEpochs=0", .. extra])];

    private static List<JsonElement> Records(string runDir, string type) =>
        File.ReadAllLines(Path.Combine(runDir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("type").GetString() == type).ToList();

    private static float[] Weights(string checkpoint, string tensor) =>
        Runtime.CheckpointStore.Load(checkpoint).State.Single(t => t.Name == tensor).AsFloat32();

    [Test]
    public void One_process_under_mpirun_equals_the_run_without_mpi_bit_for_bit()
    {
        string plain = HostFixture.NewRunDir("plain"), mpi = HostFixture.NewRunDir("mpi1");
        Assert.That(CliRunner.Run(Settings(plain)).Exit, Is.Zero);
        var (exit, output) = Mpi.Run(1, Settings(mpi));
        Assert.That(exit, Is.Zero, output);
        Assert.That(HostFixture.Steps(mpi), Is.EqualTo(HostFixture.Steps(plain)), "every step's loss, as written");
        Assert.That(File.ReadAllBytes(Path.Combine(mpi, "checkpoints", "checkpoint-00000031.safetensors")).Length, Is.GreaterThan(0));
        Assert.That(Weights(Path.Combine(mpi, "checkpoints", "latest.safetensors"), "conv1.weight"),
            Is.EqualTo(Weights(Path.Combine(plain, "checkpoints", "latest.safetensors"), "conv1.weight")));
    }

    [Test]
    public void Two_processes_equal_the_same_computation_in_one_process_and_keep_identical_weights()
    {
        string threads = HostFixture.NewRunDir("threads"), mpi = HostFixture.NewRunDir("mpi2");
        var group = new ThreadGroup(2);
        var exits = group.Run(member =>
        {
            ProcessGroup.Current = member;
            return CliRunner.Run(Settings(threads)).Exit;
        });
        Assert.That(exits, Is.All.Zero);
        var (exit, output) = Mpi.Run(2, Settings(mpi));
        Assert.That(exit, Is.Zero, output);

        var reference = HostFixture.Steps(threads);
        Assert.That(reference, Has.Count.EqualTo(31));
        var measured = HostFixture.Steps(mpi);
        Assert.That(measured.Select(s => s.Step), Is.EqualTo(reference.Select(s => s.Step)));
        for (int i = 0; i < reference.Count; i++)
            Assert.That(double.Parse(measured[i].Loss), Is.EqualTo(double.Parse(reference[i].Loss)).Within(1e-6), $"step {reference[i].Step}");
        var expected = Weights(Path.Combine(threads, "checkpoints", "checkpoint-00000020.safetensors"), "layer4.1.conv2.weight");
        Assert.That(Weights(Path.Combine(mpi, "checkpoints", "checkpoint-00000020.safetensors"), "layer4.1.conv2.weight"), Is.EqualTo(expected).Within(1e-6));

        var verified = Records(mpi, "verify").Select(r => (r.GetProperty("step").GetInt64(), r.GetProperty("checksums").EnumerateArray().Select(c => c.GetString()).ToList())).ToList();
        Assert.That(verified.Select(v => v.Item1), Does.Contain(20L), "the ranks compared their state checksums at step 20");
        Assert.That(verified.All(v => v.Item2.Count == 2 && v.Item2[0] == v.Item2[1]), Is.True, "and they were equal");
    }

    [Test]
    public void A_rank_killed_ends_the_job_promptly_and_resuming_continues_bit_for_bit()
    {
        string whole = HostFixture.NewRunDir("mpi-whole"), killed = HostFixture.NewRunDir("mpi-killed");
        var settings = Settings(whole, epochs: 2);
        Assert.That(Mpi.Run(2, settings).Exit, Is.Zero);
        var uninterrupted = HostFixture.Steps(whole);

        using (var job = Mpi.Start(2, Settings(killed, epochs: 2)))
        {
            var deadline = Stopwatch.StartNew();
            while (HostFixture.Steps(killed).Count < 15 && !job.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(50);
            int rank1 = Mpi.RankProcess(killed, 1) ?? throw new AssertionException("rank 1's process was not found");
            Process.GetProcessById(rank1).Kill();   // SIGKILL
            var killedAt = Stopwatch.StartNew();
            Assert.That(job.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, "the whole job ends, no process is left waiting");
            Assert.That(job.ExitCode, Is.Not.Zero);
            TestContext.Out.WriteLine($"mpirun ended {killedAt.Elapsed.TotalSeconds:F1} s after rank 1 was killed");
        }
        long lastStep = HostFixture.Steps(killed).Max(s => s.Step);
        var (exit, output) = Mpi.Run(2, "train", "--resume", "--run-dir", killed);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("Resuming from"));
        var resumed = HostFixture.Steps(killed).SkipWhile(s => s.Step != lastStep).Skip(1).ToList();
        long from = resumed[0].Step - 1;
        Assert.That(from % 10, Is.Zero, "resumed from the last checkpoint before the kill");
        Assert.That(resumed, Is.EqualTo(uninterrupted.SkipWhile(s => s.Step <= from)), "the resumed steps equal the uninterrupted run's, bit for bit");
    }
}

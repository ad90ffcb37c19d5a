using System.Text.Json;
using System.Text.RegularExpressions;
using OnnxMec.Runtime;

namespace OnnxMec.Host.Tests.HostileInput;

public class DivergenceTests
{
    [Test]
    public void A_real_divergence_exits_3_naming_the_step_and_keeps_the_last_good_checkpoint_loadable()
    {
        // lr 1e8 blows the weights up within a few steps; a checkpoint after every step shows which one is kept.
        string run = HostFixture.NewRunDir("diverge");
        var (exit, output) = CliRunner.Run(["train", "--run-dir", run, .. HostFixture.ShortRun(1, "Lr=1e8", "Knn:AtStart=false", "CheckpointEverySteps=1")]);
        Assert.That(exit, Is.EqualTo(3), output);
        var stop = Regex.Match(output, @"step (\d+): (?:\S+ is (?:NaN|Infinity|-Infinity)|the weights are no longer finite)");
        Assert.That(stop.Success, Is.True, output);
        long stoppedAt = long.Parse(stop.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(output, Does.Contain("the last good checkpoint is kept"));

        var kept = CheckpointStore.Load(Path.Combine(run, "checkpoints", "latest.safetensors"));
        Assert.That(kept.Info.Step, Is.EqualTo(stoppedAt - 1), "the checkpoint of the step before");
        Assert.That(kept.State.Select(t => t.FirstNonFinite()), Is.All.EqualTo(-1), "its weights are finite");
        Assert.That(File.Exists(Path.Combine(run, "checkpoints", $"checkpoint-{stoppedAt:D8}.safetensors")), Is.False, "the diverged state is not checkpointed");
        foreach (var line in File.ReadLines(Path.Combine(run, "metrics.jsonl")))
            Assert.DoesNotThrow(() => JsonDocument.Parse(line).Dispose(), line);
    }
}

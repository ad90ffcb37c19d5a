namespace OnnxMec.Runtime.Tests;

public class CheckpointStoreTests
{
    private string _runs = "";

    [SetUp]
    public void CreateFolder() => _runs = Directory.CreateTempSubdirectory("onnxmec-ckpt-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_runs, recursive: true);

    private static CheckpointInfo Info(long step, double? score = null) =>
        new(step, 0, "tiny", new string('a', 64), Fixtures.TinyConfig, new ScheduleOptions(), 10, new DataPosition(0, 0, 0), Score: score);

    private static IReadOnlyList<NamedTensor> State(float v) => [NamedTensor.Float32("w", [2], [v, v])];

    [Test]
    public void It_keeps_the_newest_k_and_the_best()
    {
        var store = new CheckpointStore(_runs, keepLast: 2);
        store.Save(State(1), Info(10, score: 0.5));
        store.Save(State(2), Info(20, score: 0.9));
        store.Save(State(3), Info(30, score: 0.7));
        store.Save(State(4), Info(40));
        Assert.That(store.List().Select(Path.GetFileName), Is.EqualTo(new[] { "checkpoint-00000030.safetensors", "checkpoint-00000040.safetensors" }));
        var best = CheckpointStore.Load(Path.Combine(_runs, CheckpointStore.BestFile));
        Assert.That(best.Info.Step, Is.EqualTo(20));
        Assert.That(best.State[0].AsFloat32(), Is.EqualTo(new[] { 2f, 2f }));
        Assert.That(Directory.GetFiles(_runs).Where(f => f.Contains(".tmp")), Is.Empty);
    }

    [Test]
    public void Latest_names_the_newest_checkpoint_and_no_best_is_kept_without_a_score()
    {
        var store = new CheckpointStore(_runs, keepLast: 2);
        store.Save(State(1), Info(10));
        store.Save(State(2), Info(20));
        store.Save(State(3), Info(30));
        var latest = CheckpointStore.Load(Path.Combine(_runs, CheckpointStore.LatestFile));
        Assert.That((latest.Info.Step, latest.State[0].AsFloat32()[0]), Is.EqualTo((30L, 3f)));
        Assert.That(File.Exists(Path.Combine(_runs, CheckpointStore.BestFile)), Is.False, "nothing was measured, so nothing is best");
        Assert.That(store.Newest(), Does.EndWith("checkpoint-00000030.safetensors"), "the stable names are not taken for checkpoints");
    }

    [Test]
    public void A_checkpoint_rewritten_with_the_score_measured_on_it_becomes_best_only_when_higher()
    {
        // The end of a run: checkpoint first, then measure and rewrite it with its score.
        var store = new CheckpointStore(_runs);
        store.Save(State(1), Info(10, score: 55));
        store.Save(State(2), Info(20));
        Assert.That(CheckpointStore.Load(Path.Combine(_runs, CheckpointStore.BestFile)).Info.Step, Is.EqualTo(10), "a checkpoint without a score does not replace best");
        store.Save(State(2), Info(20, score: 54));
        Assert.That(CheckpointStore.Load(Path.Combine(_runs, CheckpointStore.BestFile)).Info.Step, Is.EqualTo(10), "a lower score does not");
        store.Save(State(2), Info(20, score: 56));
        var best = CheckpointStore.Load(Path.Combine(_runs, CheckpointStore.BestFile));
        Assert.That((best.Info.Step, best.Info.Score), Is.EqualTo((20L, (double?)56)));
        Assert.That(CheckpointStore.Load(Path.Combine(_runs, CheckpointStore.LatestFile)).Info.Score, Is.EqualTo(56), "latest is the rewritten file");
    }

    [Test]
    public void Metadata_round_trips()
    {
        var store = new CheckpointStore(_runs);
        var saved = Info(123, 0.25) with { Data = new DataPosition(7, 3, 4), Loss = -0.5f };
        var loaded = CheckpointStore.Load(store.Save(State(1), saved));
        Assert.That(loaded.Info.Data, Is.EqualTo(saved.Data));
        Assert.That(loaded.Info.Loss, Is.EqualTo(-0.5f));
        Assert.That(loaded.Info.Config.ProjectorDims, Is.EqualTo(Fixtures.TinyConfig.ProjectorDims));
    }

    [Test]
    public void A_truncated_checkpoint_is_reported_by_name()
    {
        var store = new CheckpointStore(_runs);
        string path = store.Save(State(1), Info(1));
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^3]);
        Assert.That(() => CheckpointStore.Load(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(path).And.Message.Contains("truncated"));
    }

    [Test]
    public void Plain_weights_are_not_mistaken_for_a_checkpoint()
    {
        string path = Path.Combine(_runs, "weights.safetensors");
        SafeTensors.Write(path, State(1));
        Assert.That(() => CheckpointStore.Load(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("not an OnnxMec checkpoint"));
    }
}

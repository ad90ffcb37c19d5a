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

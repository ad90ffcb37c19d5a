using OnnxMec.Contract;

namespace OnnxMec.Runtime.Tests;

/// <summary>
/// The state kept in ORT-allocated memory behind the copy graph (the code CUDA runs) trains exactly
/// as the state in pinned managed arrays: same kernels, same inputs, so the same bits.
/// </summary>
public class StateMemoryTests
{
    private string _folder = "";

    [SetUp]
    public void CreateSet() => _folder = Fixtures.TinySetFolder();

    [TearDown]
    public void RemoveSet() => Directory.Delete(_folder, recursive: true);

    private TrainingSession Open(StateMemory memory) => TrainingSession.Create(ArtifactSetFolder.Open(_folder), Fixtures.Cpu(memory: memory));

    [Test]
    public void Device_memory_gives_bit_identical_metrics_state_and_features_to_managed_memory()
    {
        using var managed = Open(StateMemory.Managed);
        using var device = Open(StateMemory.Device);
        Assert.That(device.StateMemory, Is.EqualTo(StateMemory.Device));
        for (int step = 0; step < 4; step++)
        {
            var (v1, v2) = Fixtures.Views(step);
            StepMetrics a, b;
            if (step % 2 == 0)
            {
                a = managed.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars);
                b = device.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars);
            }
            else
            {
                a = managed.TrainStep(v1, v2, Fixtures.Batch, Fixtures.Scalars);
                b = device.TrainStep(v1, v2, Fixtures.Batch, Fixtures.Scalars);
                foreach (var s in new[] { managed, device })
                {
                    s.OptimizerStep(Fixtures.Scalars);
                    s.EmaStep(Fixtures.Scalars);
                }
            }
            Assert.That(b.Values, Is.EqualTo(a.Values), $"step {step}");
        }
        AssertSameBits(device.GetState(), managed.GetState());
        AssertSameBits(device.OnlineWeights(), managed.OnlineWeights());
        var images = Fixtures.Images(7, 4);
        var (x, y) = (managed.Eval(images, 4), device.Eval(images, 4));
        Assert.That(y.Features, Is.EqualTo(x.Features));
        Assert.That(y.Embeddings, Is.EqualTo(x.Embeddings));
    }

    [Test]
    public void A_state_set_in_device_memory_reads_back_unchanged_and_carries_over_to_managed_memory()
    {
        using var trained = Open(StateMemory.Managed);
        for (int step = 0; step < 2; step++)
        {
            var (v1, v2) = Fixtures.Views(step);
            trained.Step(v1, v2, Fixtures.Batch, Fixtures.Scalars);
        }
        var state = trained.GetState();
        using var device = Open(StateMemory.Device);
        device.SetState(state, "a checkpoint");
        AssertSameBits(device.GetState(), state);

        var (w1, w2) = Fixtures.Views(9);
        float expected = trained.Step(w1, w2, Fixtures.Batch, Fixtures.Scalars).Loss;
        Assert.That(device.Step(w1, w2, Fixtures.Batch, Fixtures.Scalars).Loss, Is.EqualTo(expected));
    }

    [Test]
    public void Device_memory_copies_tensors_of_every_rank_both_ways([Values(0, 1, 2, 4)] int rank)
    {
        using var memory = new DeviceTensorMemory(Fixtures.Cpu());
        long[] shape = Enumerable.Range(2, rank).Select(d => (long)d).ToArray();
        var values = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(i => i * 0.5f - 3).ToArray();
        using var tensor = memory.Allocate(shape);
        memory.Write(values, tensor);
        Assert.That(tensor.GetTensorTypeAndShape().Shape, Is.EqualTo(shape));
        Assert.That(memory.Read(tensor), Is.EqualTo(values));
    }

    private static void AssertSameBits(IReadOnlyList<NamedTensor> actual, IReadOnlyList<NamedTensor> expected)
    {
        Assert.That(actual.Select(t => t.Name), Is.EqualTo(expected.Select(t => t.Name)));
        for (int i = 0; i < expected.Count; i++)
            Assert.That(actual[i].Data, Is.EqualTo(expected[i].Data), expected[i].Name);
    }
}
